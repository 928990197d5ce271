"""Every template, as rendered and sent (marker line included), parses under a real Groovy.

Parse only (phase CONVERSION): Jenkins classes are not on this classpath, so nothing is
resolved. Debian's groovy 2.4 matches the Groovy 2.4.x that Jenkins embeds. Skips when groovy
is not installed, unless BOB_REQUIRE_GROOVY=1 (CI), where a skip would hide a syntax error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from provisioning.jenkins.models import DrainSpec
from provisioning.jenkins.script import Template, render

PARSE_CHECK = """
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases
args.each { String path ->
    def unit = new CompilationUnit()
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.CONVERSION)
        println("PARSE-OK ${new File(path).name}")
    } catch (Exception e) {
        println("PARSE-FAIL ${new File(path).name}: ${e.message.readLines().join(' | ')}")
    }
}
"""
BROKEN = "def x = { ->\n    println('a'\n"


def _groovy() -> tuple[str, dict[str, str]]:
    groovy = shutil.which("groovy")
    java = shutil.which("java")
    if groovy is None or java is None:
        if os.environ.get("BOB_REQUIRE_GROOVY") == "1":
            pytest.fail("BOB_REQUIRE_GROOVY=1 but groovy/java is not installed", pytrace=False)
        pytest.skip("groovy is not installed (Debian package `groovy`)")
    env = dict(os.environ)
    # Debian's launcher wants JAVA_HOME or /usr/lib/jvm/default-java, which may be missing.
    env.setdefault("JAVA_HOME", str(Path(java).resolve().parent.parent))
    return groovy, env


def test_every_template_parses_under_groovy(tmp_path: Path) -> None:
    groovy, env = _groovy()
    params = DrainSpec(name="bob001", reason="x")
    files = {f"{t.value}.groovy": render(t, params) + '\nprint(")]}.")' for t in Template}
    files["broken.groovy"] = BROKEN  # proves the checker can fail
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "check.groovy").write_text(PARSE_CHECK)

    done = subprocess.run(
        [groovy, str(tmp_path / "check.groovy"), *(str(tmp_path / n) for n in sorted(files))],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    lines = sorted(line for line in done.stdout.splitlines() if line.startswith("PARSE-"))
    expected_ok = sorted(f"PARSE-OK {t.value}.groovy" for t in Template)
    assert expected_ok == [line for line in lines if line.startswith("PARSE-OK")], done.stderr
    [failed] = [line for line in lines if line.startswith("PARSE-FAIL")]
    assert failed.startswith("PARSE-FAIL broken.groovy")
