"""Listings written for these tests in the style of the real reposts (patent-abstract openings,
a repost that changes a few characters, a sibling variety that changes a number)."""

from __future__ import annotations

DEFECTS_TITLE = "一种基于深度学习的钢材表面缺陷检测方法"
DEFECTS_TEXT = (
    "本发明公开了一种基于深度学习的钢材表面缺陷检测方法，包括采集带钢表面图像、对图像进行增强和分割、"
    "利用卷积神经网络提取缺陷特征并分类。该方法可识别划痕、裂纹、氧化皮等八类缺陷，检测准确率达到96%以上，"
    "单张图像处理时间小于50毫秒，适用于热轧和冷轧生产线的在线检测。"
)
# The same result posted again: two words changed in the title, a few characters in the text.
REPOST_TITLE = "一种基于深度学习的钢板表面缺陷检测方法"
REPOST_TEXT = (
    "本发明公开了一种基于深度学习的钢板表面缺陷检测方法，包括采集钢板表面图像、对图像进行增强与分割、"
    "利用卷积神经网络提取缺陷特征并分类。该方法可识别划痕、裂纹、氧化皮等八类缺陷，检测准确率达到96%以上，"
    "单张图像处理时间小于50毫秒，适用于热轧、冷轧生产线的在线检测。"
)
# A different result in the same field (人工智能), written in the same patent style.
OTHER_TITLE = "一种基于知识图谱的智能客服问答系统"
OTHER_TEXT = (
    "本发明公开了一种基于知识图谱的智能客服问答系统，包括问句理解模块、实体链接模块和答案生成模块。"
    "系统利用深度学习模型识别用户意图，在企业知识图谱中检索相关实体与关系，生成自然语言答案，"
    "问答准确率达到90%以上，可用于银行、电信和电商平台的在线客服。"
)
# Sibling varieties: the text barely differs, the number in the title does.
WHEAT_7 = (
    "冬小麦新品种津麦7号",
    "津麦7号是以京冬8号为母本、农大211为父本杂交选育而成的冬小麦品种，抗寒性强，"
    "中抗条锈病，平均亩产520公斤，适宜在天津及河北中北部冬麦区种植。",
)
WHEAT_8 = (
    "冬小麦新品种津麦8号",
    "津麦8号是以京冬8号为母本、农大212为父本杂交选育而成的冬小麦品种，抗寒性强，"
    "中抗条锈病，平均亩产530公斤，适宜在天津及河北中北部冬麦区种植。",
)
