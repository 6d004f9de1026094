import pytest

from webapp.core.identifiers import InvalidIdentifier, validate_uscc

# Codes published on business licences and in the national enterprise credit system.
REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "12100000400000624D",  # 中国科学院
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(app_ctx, code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_change_is_rejected(app_ctx, code):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(18):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            altered = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidIdentifier):
                validate_uscc(altered)


def test_swapped_neighbours_are_rejected(app_ctx):
    code = REAL_CODES[0]
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            with pytest.raises(InvalidIdentifier):
                validate_uscc(swapped)


def test_input_is_normalised_full_width_lower_case_and_spaces(app_ctx):
    assert validate_uscc(" ９１４４０３００７０８４６１１３６ｔ ") == "91440300708461136T"
    assert validate_uscc("9144 0300 7084 6113 6t") == "91440300708461136T"


@pytest.mark.parametrize(
    "code, words",
    [
        ("91440300708461136", "18"),
        ("91440300708461136TX", "18"),
        ("9144030070846113IT", "I"),
        ("9144030070846113OT", "O"),
        ("", "18"),
    ],
)
def test_messages_say_what_is_wrong(app_ctx, code, words):
    with pytest.raises(InvalidIdentifier) as info:
        validate_uscc(code)
    assert words in str(info.value)
