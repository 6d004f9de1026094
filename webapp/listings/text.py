"""Chinese text of listings: keyword lists, segmentation and weighted index terms (normalised by
webapp.core.text). Pure functions, no Flask: the search index, the importer, the duplicate finder
and the matching engine share them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import rjieba

from webapp.core.text import fold, normalise

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff][0-9a-z\u3400-\u9fff.+#-]*")
_CJK = re.compile(r"[\u3400-\u9fff]")

# Words too common in technical listings to say anything about a match or a search.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "为",
        "对",
        "由",
        "以",
        "于",
        "将",
        "把",
        "被",
        "其",
        "该",
        "本",
        "一种",
        "一个",
        "所述",
        "以及",
        "并且",
        "通过",
        "进行",
        "具有",
        "采用",
        "用于",
        "包括",
        "可以",
        "能够",
        "实现",
        "提供",
        "主要",
        "相关",
        "其中",
        "方面",
        "问题",
        "要求",
        "需要",
        "需求",
        "我们",
        "公司",
        "企业",
        "技术",
        "方法",
        "系统",
        "装置",
        "设备",
        "产品",
        "项目",
        "研究",
        "开发",
        "应用",
        "发明",
        "实用新型",
        "本发明",
        "本实用新型",
        "公开",
        "领域",
        "方案",
        "工艺",
        "结构",
        "使用",
        "具体",
        "一定",
        "以上",
        "以下",
        "之间",
        "同时",
        "目前",
        "现有",
        "提高",
        "降低",
        "有效",
    ]
)

SPLIT_LIST = re.compile(r"[，,；;、\s]+")


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """Keywords given as a list, or as text separated by ，,；;、 or spaces; order kept, duplicates dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else SPLIT_LIST.split(str(value))
    seen: dict[str, None] = {}
    for item in items:
        item = normalise(str(item))
        if item:
            seen.setdefault(item, None)
    return list(seen)


def tokens(text: str | None) -> list[str]:
    """Search-mode segmentation (sub-words included), lower-cased, without stopwords and noise."""
    text = fold(text)
    if not text:
        return []
    return [term for term in map(_term, rjieba.cut_for_search(text, False)) if term]


@lru_cache(maxsize=1 << 18)
def _term(token: str) -> str | None:
    """The token as an index term, or None for stopwords and noise. Cached: the same tokens come
    back in every text, and this check cost more than the segmentation itself (bulk imports)."""
    token = token.strip()
    if not token or token in STOPWORDS or not _WORD.fullmatch(token):
        return None
    if len(token) == 1 and _CJK.match(token):
        return None
    return token


# Field weights: a title hit counts more than a keyword hit, which counts more than the body.
TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
MAX_TERMS = 80


def index_terms(title: str, keywords: Iterable[str], body: str, max_terms: int = MAX_TERMS) -> dict[str, float]:
    """Weighted terms of one listing for the search index (a saturated term frequency per field)."""
    weights: Counter[str] = Counter()
    for text, factor in ((title, TITLE_WEIGHT), (" ".join(keywords), KEYWORD_WEIGHT), (body, BODY_WEIGHT)):
        counts = Counter(tokens(text))
        for term, tf in counts.items():
            weights[term] += factor * (tf * 2.2) / (tf + 1.2)
    for keyword in keywords:  # an explicit keyword is also a term as a whole
        keyword = fold(keyword)
        if 2 <= len(keyword) <= 20 and keyword not in STOPWORDS:
            weights[keyword] += KEYWORD_WEIGHT
    if len(weights) > max_terms:
        weights = Counter(dict(weights.most_common(max_terms)))
    return {term: round(weight, 3) for term, weight in weights.items()}


def idf(doc_count: int, doc_freq: int) -> float:
    return math.log(1 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))
