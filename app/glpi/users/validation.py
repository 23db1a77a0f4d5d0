"""What GLPI accepts in a user: login rules, column lengths, languages, e-mails.

Checked before any GLPI call, so a value GLPI would refuse (an invalid login
answers ``400 ERROR_GLPI_ADD``), cut (GLPI 10 truncates to 255 characters),
choke on (GLPI 11 answers with SQL text) or silently drop (an invalid
e-mail) gets a clear 400 ``invalidValue`` instead.
"""

from __future__ import annotations

import re

from app.scim.errors import InvalidValueError

#: ``varchar(255)`` of ``glpi_users`` (name, realname, firstname, phone...)
#: and ``glpi_useremails.email``.
MAX_LENGTH = 255

#: ``Auth::isValidLogin`` (G10 Auth.php 1573): ``/^[[:alnum:]'@.\-_ ]+$/iu``.
_LOGIN_CHARS = re.compile(r"^[\w'@.\- ]+$", re.UNICODE)

#: A practical subset of PHP's ``FILTER_VALIDATE_EMAIL`` (dot-atom local part).
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)

LOGIN_RULE = (
    "GLPI accepts a login made of letters, digits, spaces and ' @ . - _, "
    "or a valid e-mail address (so DOMAIN\\user, a/b, a#b, a%b, a:b, a,b, "
    "quotes, < > and & are refused)"
)

#: GLPI's ``$CFG_GLPI['languages']`` keys (10.0 and 11.0).
GLPI_LANGUAGES = frozenset(
    """
ar_SA be_BY bg_BG bs_BA ca_ES cs_CZ da_DK de_DE de_CH el_GR en_GB en_US eo_EO es_AR es_CL es_CO
es_EC es_ES es_419 es_MX es_VE et_EE eu_ES fa_IR fi_FI fil_PH fr_BE fr_CA fr_FR gl_ES he_IL
hi_IN hr_HR hu_HU id_ID is_IS it_IT ja_JP ka_GE kk_KZ km_KH kn ko_KR lo_LA lt_LT lv_LV mn_MN
ms_MY nb_NO nl_BE nl_NL nn_NO pl_PL pt_BR pt_PT ro_RO ru_RU sk_SK sl_SI sq_AL sr_RS sv_SE ta_IN
te_IN th_TH tr_TR uk_UA ur_PK vi_VN zh_CN zh_HK zh_TW
""".split()
)

#: The GLPI locale a bare BCP 47 language (``fr``) becomes.
DEFAULT_REGION = {
    "en": "en_GB",
    "fr": "fr_FR",
    "de": "de_DE",
    "es": "es_ES",
    "pt": "pt_PT",
    "nl": "nl_NL",
    "zh": "zh_CN",
    "sv": "sv_SE",
    "nb": "nb_NO",
    "no": "nb_NO",
}


def check_length(path: str, value: str) -> str:
    """Return ``value`` or raise when it does not fit a GLPI ``varchar(255)``.

    :raises InvalidValueError: GLPI 10 would silently cut it, GLPI 11 fail with SQL text.
    """
    if len(value) > MAX_LENGTH:
        raise InvalidValueError(
            f"{path} is {len(value)} characters long; GLPI stores at most {MAX_LENGTH}."
        )
    return value


def check_login(login: str) -> str:
    """Return ``login`` if GLPI would accept it as a user name.

    :raises InvalidValueError: with a detail saying what GLPI accepts.
    """
    if not login.strip():
        raise InvalidValueError("userName must not be empty.")
    if login != login.strip():
        raise InvalidValueError(
            "userName must not start or end with spaces: GLPI's login form trims them, so "
            "such an account could never sign in."
        )
    check_length("userName", login)
    if not (_LOGIN_CHARS.match(login) or valid_email(login)):
        raise InvalidValueError(f"userName {login!r} is not a valid GLPI login: {LOGIN_RULE}.")
    return login


def valid_email(address: str) -> bool:
    """True when ``address`` is an e-mail address GLPI keeps (not silently dropped)."""
    return len(address) <= MAX_LENGTH and bool(_EMAIL.match(address))


def glpi_language(tag: str | None) -> str | None:
    """BCP 47 (``fr-FR``, ``fr``) → GLPI locale (``fr_FR``); None when GLPI has none."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").split("-")
    lang = parts[0].lower()
    if len(parts) > 1:
        candidate = f"{lang}_{parts[-1].upper()}"
        if candidate in GLPI_LANGUAGES:
            return candidate
    if lang in DEFAULT_REGION:
        return DEFAULT_REGION[lang]
    same = sorted(code for code in GLPI_LANGUAGES if code.split("_")[0] == lang)
    return same[0] if same else None


def scim_language(code: str | None) -> str | None:
    """GLPI locale (``fr_FR``) → BCP 47 (``fr-FR``)."""
    if not code:
        return None
    return str(code).replace("_", "-")
