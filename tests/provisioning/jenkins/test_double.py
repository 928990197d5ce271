"""The double itself reproduces the HTTP facts of docs/field-facts.md ("Jenkins")."""

from __future__ import annotations

import jenkins  # type: ignore[import-untyped]
import pytest
import requests

from tests.jenkins_double import JenkinsDouble


def _token(double: JenkinsDouble) -> tuple[str, str]:
    return ("admin", double.tokens["admin"])


def test_anonymous_is_403_and_a_wrong_password_401(double: JenkinsDouble) -> None:
    assert 403 == requests.get(double.url + "api/json", timeout=5).status_code
    wrong = requests.get(double.url + "api/json", auth=("admin", "nope"), timeout=5)
    assert 401 == wrong.status_code


def test_a_password_post_needs_the_crumb_and_its_session_cookie(double: JenkinsDouble) -> None:
    auth = ("admin", double.passwords["admin"])
    form = {"script": "println 1"}
    no_crumb = requests.post(double.url + "scriptText", data=form, auth=auth, timeout=5)
    crumb = requests.get(double.url + "crumbIssuer/api/json", auth=auth, timeout=5)
    header = {crumb.json()["crumbRequestField"]: crumb.json()["crumb"]}
    crumb_no_cookie = requests.post(
        double.url + "scriptText", data=form, auth=auth, headers=header, timeout=5
    )
    both = requests.post(
        double.url + "scriptText",
        data=form,
        auth=auth,
        headers=header,
        cookies=crumb.cookies,
        timeout=5,
    )

    assert (403, 403, 200) == (no_crumb.status_code, crumb_no_cookie.status_code, both.status_code)
    assert "No valid crumb was included in the request" in no_crumb.text


def test_script_text_is_always_200_text_plain_and_get_is_405(double: JenkinsDouble) -> None:
    response = requests.post(
        double.url + "scriptText", data={"script": "oops("}, auth=_token(double), timeout=5
    )

    assert 200 == response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.startswith("org.codehaus.groovy.control.MultipleCompilationErrors")
    assert (
        405 == requests.get(double.url + "scriptText", auth=_token(double), timeout=5).status_code
    )


def test_nodes_list_the_built_in_node_and_do_delete_is_302_or_404(double: JenkinsDouble) -> None:
    double.add_node("bob001", "heavy", 1)
    listed = requests.get(double.url + "computer/api/json", auth=_token(double), timeout=5).json()
    delete = requests.post(
        double.url + "computer/bob001/doDelete",
        auth=_token(double),
        allow_redirects=False,
        timeout=5,
    )
    unknown = requests.post(
        double.url + "computer/bob404/doDelete",
        auth=_token(double),
        allow_redirects=False,
        timeout=5,
    )

    assert ["Built-In Node", "bob001"] == [c["displayName"] for c in listed["computer"]]
    assert [{"name": "heavy"}, {"name": "bob001"}] == listed["computer"][1]["assignedLabels"]
    assert (302, 404) == (delete.status_code, unknown.status_code)
    assert {} == double.nodes


def test_python_jenkins_run_script_raises_on_a_thrown_script(double: JenkinsDouble) -> None:
    client = jenkins.Jenkins(double.url, *_token(double), timeout=5)
    client.get_whoami()
    double.throw_next = "java.lang.NullPointerException: boom"

    with pytest.raises(jenkins.JenkinsException, match="NullPointerException: boom"):
        client.run_script("println 1")


def test_python_jenkins_get_version_first_goes_out_anonymously(double: JenkinsDouble) -> None:
    client = jenkins.Jenkins(double.url, *_token(double), timeout=5)

    with pytest.raises(jenkins.BadHTTPException):
        client.get_version()
    assert "admin" == client.get_whoami()["id"]
    assert "2.499" == client.get_version()
