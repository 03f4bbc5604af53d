"""The roles file decides who may see and who may also change: addresses and domains, analysts first."""

import pytest

from dashboard.access import ANALYST, VIEWER, RolesFileError, read_roles


def roles_file(tmp_path, text: str):
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_addresses_and_domains_give_roles(tmp_path):
    roles = read_roles(roles_file(tmp_path, """
        [analysts]
        emails = ["Ana@Retail.example"]
        domains = ["privacy.retail.example"]
        [viewers]
        emails = ["board@partner.example", "mo@privacy.retail.example"]
        domains = ["@retail.example"]
    """))
    assert roles.role_of("ana@retail.example") == ANALYST  # listed, any case
    assert roles.role_of("ben@privacy.retail.example") == ANALYST  # by domain
    assert roles.role_of("mo@privacy.retail.example") == VIEWER  # named a viewer: the domain does not lift him
    assert roles.role_of("vic@retail.example") == VIEWER
    assert roles.role_of("board@partner.example") == VIEWER
    assert roles.role_of("eve@partner.example") is None
    assert roles.role_of("eve@retail.example.evil.example") is None  # a domain is matched whole
    assert roles.role_of("") is None and roles.role_of(None) is None


def test_the_shipped_file_lets_nobody_in(tmp_path):
    from dashboard.access import ROLES_FILE

    roles = read_roles(ROLES_FILE)
    assert roles.role_of("anyone@example.com") is None


@pytest.mark.parametrize("text, problem", [
    ("[analysts\nemails = [", "not a readable TOML file"),
    ("[viewers]\nemails = \"a@example.com\"", "[viewers] emails must be a list of text"),
])
def test_a_broken_roles_file_says_what_is_wrong(tmp_path, text, problem):
    with pytest.raises(RolesFileError) as error:
        read_roles(roles_file(tmp_path, text))
    assert problem in str(error.value) and "roles.toml" in str(error.value)


def test_a_missing_roles_file_lets_nobody_in(tmp_path):
    with pytest.raises(RolesFileError) as error:
        read_roles(tmp_path / "absent.toml")
    assert str(error.value).endswith("the roles file is missing; nobody can be let in")
