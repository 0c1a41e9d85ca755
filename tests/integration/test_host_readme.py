"""README.md's deployment sections stay true: their configuration snippets
load and mean what the text says, and the numbers quoted match the unit."""
import json
import os
import re
import subprocess

from conftest import SUPERVISORD

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _readme():
    with open(os.path.join(ROOT, "README.md")) as f:
        return f.read()


def _section(title):
    text = _readme()
    start = text.index("## " + title)
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _ini_blocks(section):
    """Indented code blocks that hold an INI section."""
    blocks, cur = [], []
    for line in section.splitlines() + [""]:
        if line.startswith("    "):
            cur.append(line[4:])
        elif line.strip() == "" and cur:
            cur.append("")
        else:
            text = "\n".join(cur).strip()
            if re.search(r"^\[[a-z_:]+\]$", text, re.M):
                blocks.append(text + "\n")
            cur = []
    return blocks


def _print_config(tmp_path, text):
    conf = os.path.join(str(tmp_path), "supervisord.conf")
    with open(conf, "w") as f:
        f.write(text)
    r = subprocess.run([SUPERVISORD, "--print-config", "-c", conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _procs(doc):
    return {p["name"]: p for g in doc["groups"] for p in g["processes"]}


def test_container_configuration(tmp_path):
    (conf,) = [b for b in _ini_blocks(_section("Deploying in a container"))
               if "[program:app]" in b]
    doc = _print_config(tmp_path, conf)
    assert doc["supervisord"]["logfile"] is None
    app = _procs(doc)["app"]
    assert app["shutdown_on"] == "fatal"
    assert app["environment_file"] == ["-/run/secrets/app.env"]
    assert app["stdout_logfile"] == "/dev/stdout"
    assert app["stderr_logfile"] == "/dev/stderr"
    assert app["stdout_logfile_maxbytes"] == 0
    cron = _procs(doc)["cron"]
    assert cron["stdout_logfile"] == "/dev/stdout"
    assert cron["redirect_stderr"] is True


def test_container_dockerfile_runs_the_daemon_in_the_foreground():
    section = _section("Deploying in a container")
    assert 'CMD ["supervisord", "-c", "/etc/supervisord.conf"]' in section
    assert "-n" not in section.split("CMD", 1)[1].splitlines()[0]


def test_systemd_configuration(tmp_path):
    (conf,) = [b for b in _ini_blocks(_section("Deploying with systemd"))
               if "[unix_http_server]" in b]
    doc = _print_config(tmp_path, conf)
    assert doc["unix_http_server"]["file"] == \
        "/run/supervisord/supervisord.sock"
    assert doc["supervisord"]["rundir"] == "/run/supervisord/procs"
    assert doc["supervisord"]["logfile"] is None


def test_systemd_numbers_match_the_unit():
    with open(os.path.join(ROOT, "systemd", "supervisord.service")) as f:
        unit = f.read()
    section = _section("Deploying with systemd")
    timeout = re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1)
    assert "TimeoutStopSec=%s" % timeout in section
    assert "KillMode=mixed" in unit and "KillMode=mixed" in section
    assert "Restart=on-failure" in unit and "Restart=on-failure" in section
    assert "Type=notify" in unit and "Type=notify" in section
