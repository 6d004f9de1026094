"""The text pipeline of matching: normalise, segment with a technical-term dictionary, drop stop
words, read synonyms as their canonical term. Pure functions and plain objects, no Flask.

A `Lexicon` is what admins edit (terms, stop words, synonyms) plus what the platform knows on its
own (the taxonomy's field names and the listings' keywords as terms). An `Analyser` turns text into
index terms with a segmenter of its own, so two lexicons never disturb each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import rjieba

from webapp.core.text import fold as normalise  # matching compares texts folded to lower case
from webapp.listings.text import STOPWORDS as SEARCH_STOPWORDS

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff][0-9a-z\u3400-\u9fff.+#-]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_RUN = re.compile(r"[0-9a-z][0-9a-z.+#-]*")
_PAIR_RUN = re.compile(r"[\u3400-\u9fff]+|[0-9a-z]+")

# Generic words of technical listings: they appear in most texts and must never make a match.
DEFAULT_STOPWORDS = SEARCH_STOPWORDS | frozenset(
    [
        "基于",
        "及其",
        "制备",
        "平台",
        "合作",
        "解决",
        "利用",
        "方式",
        "手段",
        "过程",
        "功能",
        "性能",
        "效果",
        "优势",
        "特点",
        "用途",
        "部分",
        "单位",
        "情况",
        "工作",
        "水平",
        "能力",
        "质量",
        "成本",
        "市场",
        "行业",
        "国内",
        "国外",
        "国际",
        "我国",
        "达到",
        "形成",
        "获得",
        "完成",
        "开展",
        "满足",
        "适用",
        "适合",
        "广泛",
        "良好",
        "较好",
        "显著",
        "明显",
        "大幅",
        "新型",
        "一体",
        "一体化",
        "综合",
        "整体",
        "及时",
        "有限",
        "有限公司",
        "联系",
        "咨询",
        "电话",
        "价格",
        "面议",
        "万元",
        "合同",
        "转让",
        "许可",
        "成果",
        "专利",
        "授权",
        "申请",
        "发明专利",
        "实用",
        "新型",
        "本项目",
        "该技术",
        "该项目",
        "所述",
        "步骤",
        "包含",
        "包括",
        "设置",
        "连接",
        "固定",
        "安装",
        "位于",
        "一端",
        "另一端",
        "减少",
        "增加",
        "不同",
        "传统",
        "保持",
        "处理",
        "关键",
        "关键技术",
        "改进",
        "改善",
        "较高",
        "较低",
        "高效",
        "快速",
        "简单",
        "方便",
        "稳定",
        "可靠",
        "提升",
        "增强",
        "优良",
        "优异",
        "多种",
        "各种",
        "一般",
        "通常",
        "重要",
        "基础",
        "核心",
        "先进",
        "现代",
        "使得",
        "得到",
        "作为",
        "根据",
        "不断",
        "逐步",
        "已经",
        "正在",
        "研制",
        "研发",
        "技术开发",
    ]
)

# Abbreviations and variants read as one canonical term (lower-case, NFKC).
DEFAULT_SYNONYMS: dict[str, str] = {
    "锂电": "锂离子电池",
    "锂电池": "锂离子电池",
    "ai": "人工智能",
    "人工智慧": "人工智能",
    "新能源车": "新能源汽车",
    "电动汽车": "新能源汽车",
    "ic": "集成电路",
    "iot": "物联网",
    "plc": "可编程逻辑控制器",
    "cnc": "数控",
    "3d打印": "增材制造",
    "bim": "建筑信息模型",
    "gis": "地理信息系统",
    "vr": "虚拟现实",
    "ar": "增强现实",
    "污水": "废水",
    "led": "发光二极管",
    "pcb": "印制电路板",
    "mems": "微机电系统",
    "bci": "脑机接口",
    "脑机": "脑机接口",
    "无人机": "无人驾驶航空器",
    "光伏": "太阳能光伏",
    "voc": "挥发性有机物",
    "vocs": "挥发性有机物",
    "cad": "计算机辅助设计",
}


# Numbers and units: "10", "3.5", 分钟, "10ms", "4.0mpa", "ms" (of mS/cm) say how much, not what
# about, whatever the lexicon says.
UNIT_SYMBOLS = [
    "v",
    "kv",
    "mv",
    "a",
    "ma",
    "ka",
    "w",
    "kw",
    "mw",
    "kwh",
    "mah",
    "ah",
    "hz",
    "khz",
    "mhz",
    "ghz",
    "s",
    "ms",
    "us",
    "ns",
    "h",
    "pa",
    "kpa",
    "mpa",
    "gpa",
    "bar",
    "m",
    "cm",
    "mm",
    "um",
    "nm",
    "km",
    "kg",
    "mg",
    "l",
    "ml",
    "db",
    "rpm",
    "ppm",
    "ppb",
    "n",
    "j",
    "kj",
    "mj",
    "kcal",
    "lm",
    "lx",
    "mbps",
    "gbps",
    "kb",
    "mb",
    "gb",
    "tb",
    "dpi",
]  # not g, t, c, d: 5G, 3D, 3C name technologies
_NUMBER = re.compile(r"[0-9][0-9.]*(?:" + "|".join(sorted(UNIT_SYMBOLS, key=len, reverse=True)) + r")?")
UNIT_WORDS = frozenset(
    [
        "分钟",
        "小时",
        "毫米",
        "厘米",
        "公里",
        "千米",
        "千克",
        "公斤",
        "万吨",
        "毫升",
        "以内",
        "左右",
        "个月",
        "年度",
        "万元",
        "亿元",
        "百分之",
        "多个",
        "若干",
        "mm",
        "cm",
        "km",
        "kg",
        "ml",
        "min",
        # Unit symbols of two letters or more, met alone once a measure is split (mS/cm → ms, cm).
        *(u for u in UNIT_SYMBOLS if len(u) >= 2 and u not in ("gb", "mb", "db", "kb", "tb")),
    ]
)


def _clean_word(word: str) -> str:
    return normalise(word).replace(" ", "")


@dataclass(frozen=True)
class Lexicon:
    terms: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    synonyms: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def default(
        cls,
        terms: Iterable[str] = (),
        stopwords: Iterable[str] = (),
        synonyms: Mapping[str, str] | None = None,
    ) -> Lexicon:
        """The built-in stop words and synonyms with extra entries on top."""
        return cls.build(
            terms=terms,
            stopwords=list(DEFAULT_STOPWORDS) + list(stopwords),
            synonyms={**DEFAULT_SYNONYMS, **(synonyms or {})},
        )

    @classmethod
    def build(
        cls, terms: Iterable[str] = (), stopwords: Iterable[str] = (), synonyms: Mapping[str, str] | None = None
    ) -> Lexicon:
        stops = frozenset(w for w in map(_clean_word, stopwords) if w)
        syns = {}
        for word, canonical in (synonyms or {}).items():
            word, canonical = _clean_word(word), _clean_word(canonical)
            if word and canonical and word != canonical:
                syns[word] = canonical
        kept = frozenset(
            t for t in map(_clean_word, terms) if 2 <= len(t) <= 20 and t not in stops and _WORD.fullmatch(t)
        )
        return cls(terms=kept, stopwords=stops, synonyms=syns)

    def fingerprint(self) -> str:
        """Changes whenever an entry changes: an index built with another lexicon is out of date."""
        import hashlib

        digest = hashlib.sha256()
        for part in (sorted(self.terms), sorted(self.stopwords), sorted(self.synonyms.items())):
            digest.update(repr(part).encode())
        return digest.hexdigest()[:16]


class Analyser:
    """Turns text into matching terms with the lexicon: a private segmenter knows every term,
    synonym and canonical word, so 热管理 or 锂离子电池 stay whole and also yield their parts."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._jieba = rjieba.Jieba()
        for word in (*lexicon.terms, *lexicon.synonyms, *lexicon.synonyms.values()):
            if _CJK.search(word):
                self._jieba.add_word(word, 50_000, None)
        self._cache: dict[str, tuple[str, ...]] = {}
        # A synonym stands for its canonical term and the canonical term's parts.
        self._expansions = {word: self._plain(canonical) for word, canonical in lexicon.synonyms.items()}

    def _plain(self, text: str) -> tuple[str, ...]:
        out = []
        for token in self._jieba.cut_for_search(text, False):
            term = self._term(token)
            if term:
                out.append(term)
        return tuple(out)

    def _term(self, token: str) -> str | None:
        cached = self._cache.get(token)
        if cached is not None:
            return cached[0] if cached else None
        term = token.strip()
        keep = (
            bool(term)
            and term not in self.lexicon.stopwords
            and term not in UNIT_WORDS
            and bool(_WORD.fullmatch(term))
            and not _NUMBER.fullmatch(term)
        )
        if keep and len(term) == 1:
            keep = False  # single characters (CJK or Latin) say nothing on their own
        self._cache[token] = (term,) if keep else ()
        return term if keep else None

    def tokens(self, text: str | None) -> list[str]:
        """Matching terms of a text in order, sub-words included, synonyms read as canonical."""
        text = normalise(text)
        if not text:
            return []
        out: list[str] = []
        synonyms = self._expansions
        for token in self._jieba.cut_for_search(text, False):
            token = token.strip()
            if token in synonyms:
                out.extend(synonyms[token])
                continue
            term = self._term(token)
            if term:
                out.append(term)
        return out

    def pairs(self, text: str | None) -> list[str]:
        """Every character pair of the text's CJK runs and every Latin word or code of two characters
        or more, as often as they occur, except stop words, units and numbers: technical compounds
        match whichever way a segmenter would cut them, generic words never do."""
        out: list[str] = []
        skip = self.lexicon.stopwords
        for run in _PAIR_RUN.findall(normalise(text)):
            if not _CJK.match(run):
                if len(run) >= 2 and run not in skip and run not in UNIT_WORDS and not _NUMBER.fullmatch(run):
                    out.append(run)
                continue
            for i in range(len(run) - 1):
                pair = run[i : i + 2]
                if pair not in skip and pair not in UNIT_WORDS:
                    out.append(pair)
        return out

    def short_tokens(self, title: str, keywords: Iterable[str]) -> list[str]:
        """Title and keywords: the short fields that carry a listing's subject."""
        out = self.tokens(title)
        for keyword in keywords:
            word = _clean_word(keyword)
            if word in self._expansions:
                out.extend(self._expansions[word])
            elif 2 <= len(word) <= 20 and word not in self.lexicon.stopwords and _WORD.fullmatch(word):
                out.append(word)
            out.extend(self.tokens(keyword))
        return out
