"""Text neutralisation, anonymity primitives, paced fan-out and the message catalogs."""

from bot import i18n
from bot.anonymity import csv_safe, dedupe_key, format_receipt, meets_threshold, new_receipt, receipt_hash
from bot.fanout import fan_out
from bot.ports import DeliveryError
from bot.text import plain, plain_label, shorten


def test_plain_breaks_mentions_and_markdown():
    """Mentions, @everyone, masked links and code fences come out inert."""
    text = plain("@everyone <@123> <@&45> <#6> [click](https://evil) **bold** ```code```")
    assert "@everyone" not in text and "<@123>" not in text and "<@&45>" not in text and "<#6>" not in text
    assert "[click](" not in text and "**bold**" not in text and "```" not in text
    assert "everyone" in text and "click" in text  # the words themselves stay


def test_shorten_and_labels():
    """Shortening keeps the limit and marks the cut with an ellipsis; labels are one line."""
    assert shorten("abcdef", 4) == "abc…" and len(shorten("x" * 300, 256)) == 256
    assert shorten("abc", 4) == "abc"
    assert plain_label("a\nb   c", 80) == "a b c"


def test_unicode_is_opaque():
    """Emoji, combining marks and right-to-left text pass through unchanged (only escapes added)."""
    text = "👍🏽 e\u0301 שלום | (a)"
    assert plain_label(text, 80) == text


def test_dedupe_key_depends_on_secret_scope_and_user():
    """Same inputs, same key; another secret, scope or member, another key."""
    key = dedupe_key(b"s1", "poll:1", 42)
    assert key == dedupe_key(b"s1", "poll:1", 42)
    assert key != dedupe_key(b"s2", "poll:1", 42)
    assert key != dedupe_key(b"s1", "poll:2", 42)
    assert key != dedupe_key(b"s1", "poll:1", 43)
    assert "42" not in key


def test_receipts():
    """A receipt's hash matches whatever the member's formatting; codes differ."""
    code, digest = new_receipt()
    assert receipt_hash(format_receipt(code).lower()) == digest
    assert new_receipt()[0] != code


def test_csv_safe_and_threshold():
    """Formula-looking cells are neutralised; the threshold is floored at 3."""
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_safe("+1") == "'+1" and csv_safe("ok") == "ok"
    assert csv_safe("@x") == "'@x" and csv_safe("-2") == "'-2"
    assert meets_threshold(3, 2) and not meets_threshold(2, 2) and not meets_threshold(4, 5)


async def test_fan_out_paces_and_counts_failures():
    """Sends are spaced 1/rate apart and a closed DM is counted, not fatal."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def send(user: int) -> None:
        if user == 2:
            raise DeliveryError("dm_closed", 50007)

    result = await fan_out([1, 2, 3, 4], send, rate=10, sleep=sleep)
    assert result.sent == 3 and result.failed == 1 and result.failures["dm_closed"] == 1
    assert waits == [0.1, 0.1, 0.1]


def test_catalogs_have_same_keys_and_placeholders_in_both_languages():
    """Every message exists in French and English with the same placeholders."""
    en, fr = i18n.catalog("en"), i18n.catalog("fr")
    assert set(en) == set(fr), sorted(set(en) ^ set(fr))[:20]
    for key in en:
        assert i18n.placeholders(en[key]) == i18n.placeholders(fr[key]), key


def test_locale_choice():
    """The member's French/English wins; other locales fall back to the club's language."""
    assert i18n.pick_locale("fr", "en") == "fr"
    assert i18n.pick_locale("en-GB", "fr") == "en"
    assert i18n.pick_locale("de", "fr") == "fr"
    assert i18n.pick_locale(None, None) == "en"


def test_dm_rate_halves_the_request_rate():
    """A DM costs two requests (open the channel, post): DMs go at half the request budget."""
    from bot.fanout import DEFAULT_RATE, dm_rate

    assert dm_rate(DEFAULT_RATE) == DEFAULT_RATE / 2 and dm_rate(20) * 2 <= 25
