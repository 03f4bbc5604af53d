"""The Data page's API tokens: made with a name and a role, the secret shown once and kept only as its hash,
listed with its owner, refused when its name is taken or unusable, and revoked."""

import hashlib
import re

LOCAL_ACCOUNT = "(dashboard, sign-in off)"  # how the person is named with sign-in off, as on the rest of the page


def shown(markdown_text: str) -> str:
    """What a reader sees of a Markdown message: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown_text))


def stored_tokens() -> list[dict]:
    """Every row of the app's api_tokens table, revoked ones included (the test shares the app's connection)."""
    from dashboard import shell

    cursor = shell.connection().cursor()
    try:
        cursor.execute("SELECT * FROM api_tokens ORDER BY created_at")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def tokens_table(app):
    """The live tokens as the page lists them (the one table with a "created_by" column), or None."""
    return next((table.value for table in app.dataframe if "created_by" in table.value.columns), None)


def secrets_on_screen(app) -> list[str]:
    return [block.value for block in app.code if block.value.startswith("pdt_")]


def all_text(app) -> str:
    """Every text the page shows: messages, captions, Markdown and code blocks."""
    elements = [*app.code, *app.markdown, *app.caption, *app.success, *app.warning, *app.error, *app.info]
    return "\n".join(str(element.value) for element in elements)


def make(app, name: str, role: str = "analyst") -> None:
    app.text_input(key="data_token_name").set_value(name)
    app.radio(key="data_token_role").set_value(role)
    app.button(key="data_token_make").click().run()
    assert not app.exception


def test_a_new_token_is_shown_once_and_kept_only_as_its_hash(data_page):
    app = data_page
    assert stored_tokens() == []
    assert tokens_table(app) is None

    make(app, "nightly consent load")

    shown_secrets = secrets_on_screen(app)
    assert len(shown_secrets) == 1
    secret = shown_secrets[0]
    # "pdt_" and 32 random bytes in URL-safe base64 without padding: 4 + ceil(32 * 4 / 3) = 4 + 43 characters.
    assert re.fullmatch(r"pdt_[A-Za-z0-9_-]{43}", secret)
    assert any("Copy it now: it is not shown again" in warning.value for warning in app.warning)
    assert any(f"export PRIVACY_DASHBOARD_TOKEN={secret}" in block.value
               and 'curl -H "Authorization: Bearer $PRIVACY_DASHBOARD_TOKEN"' in block.value for block in app.code)
    # It left the session as it was shown, and the name box is empty for the next token.
    assert "data_token_made" not in app.session_state
    assert app.text_input(key="data_token_name").value == ""

    # The store holds the token's SHA-256, worked out here from the secret on screen, and never the secret.
    rows = stored_tokens()
    assert len(rows) == 1
    row = rows[0]
    assert row["token_sha256"] == hashlib.sha256(secret.encode("utf-8")).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    assert row["name"] == "nightly consent load" and row["role"] == "analyst"
    assert row["owner"].endswith(LOCAL_ACCOUNT) and row["created_by"] == row["owner"]
    assert row["revoked_at"] is None and row["last_used_at"] is None

    # The next run (any widget, here the role) no longer shows it anywhere.
    app.radio(key="data_token_role").set_value("viewer").run()
    assert not app.exception
    assert secrets_on_screen(app) == []
    assert secret not in all_text(app)
    assert "Copy it now" not in all_text(app)


def test_the_live_tokens_are_listed_with_their_role_and_owner(data_page):
    app = data_page
    make(app, "nightly consent load")
    make(app, "board figures", role="viewer")

    table = tokens_table(app)
    assert list(table["name"]) == ["nightly consent load", "board figures"]  # oldest first
    assert list(table["role"]) == ["Analyst", "Viewer"]
    assert all(owner.endswith(LOCAL_ACCOUNT) for owner in table["owner"])
    assert list(table["created_by"]) == list(table["owner"])
    # Made today (UTC), as every date of the page reads; never used yet: a dash.
    made_on = stored_tokens()[0]["created_at"].strftime("%d %b %Y")
    assert list(table["created_at"]) == [made_on, made_on]
    assert list(table["last_used_at"]) == ["–", "–"]
    assert [(row["name"], row["role"]) for row in stored_tokens()] == [("nightly consent load", "analyst"),
                                                                       ("board figures", "viewer")]


def test_a_taken_or_unusable_name_says_why_and_makes_nothing(data_page):
    app = data_page
    make(app, "nightly consent load")
    first_hash = stored_tokens()[0]["token_sha256"]

    make(app, "Nightly Consent Load")  # names are compared without regard to case
    assert [shown(error.value) for error in app.error] == [
        "token ‘Nightly Consent Load’: a token of that name exists; revoke it first or choose another name"]
    assert secrets_on_screen(app) == []
    assert [row["token_sha256"] for row in stored_tokens()] == [first_hash]

    make(app, "nightly/consent")
    assert len(app.error) == 1 and shown(app.error[0].value).startswith(
        "token ‘nightly/consent’: a token's name is 1 to 64 letters, digits, spaces, dots, dashes or underscores")
    assert secrets_on_screen(app) == []
    assert len(stored_tokens()) == 1

    # The message is shown once.
    app.run()
    assert not app.error


def test_revoking_asks_first_then_takes_the_token_off_the_list(data_page):
    app = data_page
    make(app, "nightly consent load")
    make(app, "board figures", role="viewer")

    app.selectbox(key="data_token_revoke_choice").set_value("nightly consent load").run()
    app.button(key="data_token_revoke_start").click().run()
    assert any("Revoke ‘nightly consent load’?" in shown(warning.value) for warning in app.warning)
    assert all(row["revoked_at"] is None for row in stored_tokens())  # nothing happens before the confirmation
    app.button(key="data_token_revoke_confirm").click().run()

    assert not app.exception
    assert any("Revoked token ‘nightly consent load’" in shown(success.value) for success in app.success)
    assert list(tokens_table(app)["name"]) == ["board figures"]
    assert app.selectbox(key="data_token_revoke_choice").options == ["board figures"]
    revoked, kept = stored_tokens()
    assert revoked["name"] == "nightly consent load" and revoked["revoked_at"] is not None
    assert revoked["revoked_by"].endswith(LOCAL_ACCOUNT)
    assert kept["revoked_at"] is None

    # Its name is free again: a new token of that name is a new secret.
    make(app, "nightly consent load")
    assert len(secrets_on_screen(app)) == 1
    assert len({row["token_sha256"] for row in stored_tokens()}) == 3


def test_cancel_keeps_the_token(data_page):
    app = data_page
    make(app, "nightly consent load")
    app.button(key="data_token_revoke_start").click().run()
    app.button(key="data_token_revoke_cancel").click().run()
    assert not app.exception
    assert stored_tokens()[0]["revoked_at"] is None
    assert list(tokens_table(app)["name"]) == ["nightly consent load"]
    assert any(button.key == "data_token_revoke_start" for button in app.button)
