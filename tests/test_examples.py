"""
Every program in ``examples/`` runs green against the sandbox.

The web apps are driven with real HTTP requests (aiohttp's test server on
loopback, Starlette's test client) and must close their client; the
scripts run in a subprocess exactly as their headers say, against a
sandbox served by this test's loop; the user's test suite runs under its
own pytest.  Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

import flireo_async
from flireo_async import events, telnyx, testing
from flireo_async.testing import sandbox as sandbox_module
from flireo_async.testing.sandbox import Faults, Sandbox, TelnyxSandbox


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"

# Each example and the test that runs it.  A new example must be added
# here (with a test), so that no example goes untested.
EXERCISED = {
    "quickstart.py": "test_quickstart_orders_one_number",
    "aiohttp_app.py": "test_aiohttp_app_searches_and_orders",
    "starlette_app.py": "test_starlette_app_searches_and_orders",
    "bulk_from_csv.py": "test_bulk_job_orders_every_row_once",
    "telnyx_order.py": "test_telnyx_example_orders_once",
    "user_tests/provisioning.py": "test_user_test_suite_passes",
    "user_tests/conftest.py": "test_user_test_suite_passes",
    "user_tests/test_provisioning.py": "test_user_test_suite_passes",
    # Written and tested with the server-events work.
    "webhook_receiver.py": "tests/test_example_webhook.py",
}


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` as a module of its own."""
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", EXAMPLES / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    """The environment of the example headers, pointing at *sandbox*."""
    return {
        **os.environ,
        "FLIREO_BASE_URL": sandbox.base_url,
        "FLIREO_API_KEY": sandbox.api_key,
    }


async def run_script(
    *args: str | Path, env: dict[str, str]
) -> tuple[int, str, str]:
    """Run ``python *args`` while this loop keeps serving the sandbox."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *map(str, args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def flireo_env(
    flireo_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Sandbox:
    """Point ``FlireoClient()`` at this test's sandbox, as the headers do."""
    monkeypatch.setenv("FLIREO_BASE_URL", flireo_sandbox.base_url)
    monkeypatch.setenv("FLIREO_API_KEY", flireo_sandbox.api_key)
    return flireo_sandbox


@pytest.fixture
def no_unclosed_sessions(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[None]:
    """Fail if anything logs an unclosed aiohttp session or connector."""
    yield
    gc.collect()
    assert "Unclosed" not in caplog.text


# -- the README tour -------------------------------------------------------


@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_quickstart_orders_one_number(flireo_sandbox: Sandbox) -> None:
    """quickstart.py searches, orders one number and sees it succeed."""
    code, out, err = await run_script(
        EXAMPLES / "quickstart.py", env=sandbox_env(flireo_sandbox)
    )
    assert code == 0, err
    [(number, count)] = flireo_sandbox.order_counts().items()
    assert count == 1
    assert f"ordered {number}" in out
    assert out.rstrip().endswith(": success")


@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_the_batch_example_still_runs_after_the_quickstart(
    flireo_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The docs run quickstart.py, then numbers.csv, on one sandbox."""
    env = sandbox_env(flireo_sandbox)
    code, _, err = await run_script(EXAMPLES / "quickstart.py", env=env)
    assert code == 0, err

    code, out, err = await run_script(
        EXAMPLES / "bulk_from_csv.py",
        EXAMPLES / "numbers.csv",
        "--journal",
        tmp_path / "run.jsonl",
        "--report",
        tmp_path / "report.csv",
        env=env,
    )
    assert code == 0, err + out
    assert {"ordered"} == {
        r["outcome"] for r in read_report(tmp_path / "report.csv")
    }


# -- web apps --------------------------------------------------------------


@pytest.mark.usefixtures("no_unclosed_sessions")
@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_aiohttp_app_searches_and_orders(flireo_env: Sandbox) -> None:
    """The aiohttp app serves search and order, then closes its client."""
    example = load_example("aiohttp_app")
    app = example.make_app()
    async with TestClient(TestServer(app)) as http:
        resp = await http.get("/numbers", params={"limit": "3"})
        assert resp.status == 200
        numbers = (await resp.json())["numbers"]
        assert len(numbers) == 3

        resp = await http.post("/orders", json={"phone_number": numbers[0]})
        assert resp.status == 201
        receipt = await resp.json()
        assert receipt["phone_number"] == numbers[0]
        assert receipt["reconciled"] is False

        resp = await http.get(f"/orders/{receipt['order_id']}")
        assert resp.status == 200
        assert (await resp.json())["status"] == "success"

        resp = await http.post("/orders", json={"phone_number": numbers[0]})
        assert resp.status == 409
        assert (await resp.json())["error"] == "AlreadyInUseError"

        resp = await http.post("/orders", json={"phone_number": "0612"})
        assert resp.status == 400
        assert (await resp.json())["error"] == "ValidationError"

        assert (await http.post("/orders", data=b"not json")).status == 400
        assert (await http.get("/numbers?limit=many")).status == 400
        assert (await http.get("/orders/no-such-order")).status == 404
        client = app[example.FLIREO]
        assert not client.closed
    assert client.closed
    assert flireo_env.order_counts() == {numbers[0]: 1}


@pytest.mark.usefixtures("no_unclosed_sessions")
@pytest.mark.flireo_sandbox(credits=5)
async def test_aiohttp_app_hides_upstream_failures(
    flireo_env: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """An error that is not the caller's fault becomes a logged 502."""
    example = load_example("aiohttp_app")
    async with TestClient(TestServer(example.make_app())) as http:
        number = flireo_env.available_numbers(limit=1)[0]
        resp = await http.post("/orders", json={"phone_number": number})
        assert resp.status == 502
        assert await resp.json() == {"error": "upstream failure"}
    assert "InsufficientCreditsError" in caplog.text


@pytest.mark.usefixtures("no_unclosed_sessions")
async def test_aiohttp_app_answers_a_refused_order_with_400(
    flireo_env: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The API refusing the caller's number is the caller's 400, not a 502."""
    example = load_example("aiohttp_app")
    not_offered = "+31851234567"
    assert not_offered not in flireo_env.available_numbers(limit=2000)
    async with TestClient(TestServer(example.make_app())) as http:
        resp = await http.post("/orders", json={"phone_number": not_offered})
        assert resp.status == 400
        assert (await resp.json())["error"] == "InvalidParametersError"
    assert [] == [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.usefixtures("no_unclosed_sessions")
async def test_starlette_app_answers_a_refused_order_with_400(
    flireo_env: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The same mapping in the Starlette app: 400, nothing logged as ERROR."""
    testclient = pytest.importorskip("starlette.testclient")
    example = load_example("starlette_app")

    def drive() -> tuple[int, str]:
        with testclient.TestClient(example.app) as http:
            resp = http.post("/orders", json={"phone_number": "+31851234567"})
            return resp.status_code, resp.json()["error"]

    assert (400, "InvalidParametersError") == await asyncio.to_thread(drive)
    assert [] == [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.usefixtures("no_unclosed_sessions")
@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_starlette_app_searches_and_orders(flireo_env: Sandbox) -> None:
    """The Starlette app serves search and order, then closes its client."""
    testclient = pytest.importorskip("starlette.testclient")
    example = load_example("starlette_app")

    def drive() -> dict[str, object]:
        # Starlette's test client is synchronous and runs the app (and
        # its lifespan) in a thread of its own; the sandbox keeps being
        # served by this test's loop meanwhile.
        with testclient.TestClient(example.app) as http:
            resp = http.get("/numbers", params={"limit": 3})
            assert resp.status_code == 200
            numbers = resp.json()["numbers"]
            assert len(numbers) == 3

            resp = http.post("/orders", json={"phone_number": numbers[0]})
            assert resp.status_code == 201
            order_id = resp.json()["order_id"]
            resp = http.get(f"/orders/{order_id}")
            assert resp.json()["status"] == "success"

            resp = http.post("/orders", json={"phone_number": numbers[0]})
            assert resp.status_code == 409
            resp = http.post("/orders", json={"phone_number": "0612"})
            assert resp.status_code == 400
            assert http.post("/orders", content=b"{").status_code == 400
            assert http.get("/numbers?limit=many").status_code == 400
            assert http.get("/orders/no-such-order").status_code == 404
            client = http.app_state["flireo"]
            assert not client.closed
        return {"client": client, "number": numbers[0]}

    seen = await asyncio.to_thread(drive)
    assert seen["client"].closed  # type: ignore[attr-defined]
    assert flireo_env.order_counts() == {seen["number"]: 1}


# -- the batch job ---------------------------------------------------------


def write_csv(path: Path, numbers: list[str]) -> None:
    """Write an input file for bulk_from_csv.py."""
    lines = ["phone_number,number_type,verification_group_id"]
    lines += [f"{n},national," for n in numbers]
    path.write_text("\n".join(lines) + "\n")


def read_report(path: Path) -> list[dict[str, str]]:
    """Read bulk_from_csv.py's report."""
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_bulk_job_orders_every_row_once(
    flireo_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The batch job orders each row, and a re-run orders nothing again."""
    numbers = flireo_sandbox.available_numbers(limit=12)
    write_csv(tmp_path / "in.csv", numbers)
    args = (
        EXAMPLES / "bulk_from_csv.py",
        tmp_path / "in.csv",
        "--journal",
        tmp_path / "run.jsonl",
        "--report",
        tmp_path / "report.csv",
        "--wait",
    )
    env = sandbox_env(flireo_sandbox)

    code, out, err = await run_script(*args, env=env)
    assert code == 0, err
    assert "12 numbers: 12 ordered (0 by an earlier run)" in out
    report = read_report(tmp_path / "report.csv")
    assert [r["phone_number"] for r in report] == numbers
    assert {r["outcome"] for r in report} == {"succeeded"}
    assert {r["status"] for r in report} == {"success"}

    code, out, err = await run_script(*args, env=env)
    assert code == 0, err
    assert "12 ordered (12 by an earlier run)" in out
    assert {r["resumed"] for r in read_report(tmp_path / "report.csv")} == {
        "yes"
    }
    assert flireo_sandbox.order_counts() == dict.fromkeys(numbers, 1)
    assert flireo_sandbox.credits == 1000 - 10 * len(numbers)


async def test_bulk_job_reports_bad_rows(
    flireo_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Bad and duplicate rows are reported, the rest ordered; exit 1."""
    good = flireo_sandbox.available_numbers(limit=2)
    write_csv(tmp_path / "in.csv", [good[0], "0612345678", good[1], good[0]])
    code, out, _ = await run_script(
        EXAMPLES / "bulk_from_csv.py",
        tmp_path / "in.csv",
        "--journal",
        tmp_path / "run.jsonl",
        "--report",
        tmp_path / "report.csv",
        env=sandbox_env(flireo_sandbox),
    )
    assert code == 1
    assert "2 ordered" in out
    report = read_report(tmp_path / "report.csv")
    assert [r["outcome"] for r in report] == [
        "ordered",
        "failed",
        "ordered",
        "skipped",
    ]
    assert "phone_number" in report[1]["detail"]
    assert "duplicate" in report[3]["detail"]


def journal_records(path: Path) -> list[dict[str, object]]:
    """The complete lines of a journal being written."""
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().splitlines():
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue  # the line being written
    return records


@pytest.mark.flireo_sandbox(
    order_completion_delay=0,
    faults=Faults(latency=(0.05, 0.05), apply_to="orders"),
)
async def test_bulk_job_resumes_after_kill_9(
    flireo_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Killed mid-run, the batch job's re-run orders each number once."""
    numbers = flireo_sandbox.available_numbers(limit=30)
    write_csv(tmp_path / "in.csv", numbers)
    journal = tmp_path / "run.jsonl"
    args = [
        str(EXAMPLES / "bulk_from_csv.py"),
        str(tmp_path / "in.csv"),
        "--journal",
        str(journal),
        "--report",
        str(tmp_path / "report.csv"),
        "--concurrency",
        "2",
    ]
    env = sandbox_env(flireo_sandbox)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Each order takes 50 ms and two are in flight: the job needs 0.75 s
    # at least, so the kill lands once three orders are journaled done.
    async with asyncio.timeout(30):
        while sum(r["t"] == "done" for r in journal_records(journal)) < 3:
            await asyncio.sleep(0.01)
    proc.kill()
    assert await proc.wait() == -9
    first_run = flireo_sandbox.order_counts()
    assert 3 <= len(first_run) < len(numbers)

    code, out, err = await run_script(*args, env=env)
    assert code == 0, err
    assert f"{len(numbers)} numbers: {len(numbers)} ordered" in out
    report = read_report(tmp_path / "report.csv")
    assert {r["outcome"] for r in report} == {"ordered"}
    assert sum(r["resumed"] == "yes" for r in report) >= 3
    assert flireo_sandbox.order_counts() == dict.fromkeys(numbers, 1)


# -- the user's own test suite ---------------------------------------------


def test_user_test_suite_passes() -> None:
    """examples/user_tests passes under its own pytest configuration."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLES / "user_tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b6 passed\b", result.stdout), result.stdout


# -- Telnyx ----------------------------------------------------------------


async def test_telnyx_example_orders_once() -> None:
    """telnyx_order.py orders two numbers in one order on TelnyxSandbox."""
    async with TelnyxSandbox(order_completion_delay=0) as sandbox:
        env = {
            **os.environ,
            "TELNYX_BASE_URL": sandbox.base_url,
            "TELNYX_API_KEY": sandbox.api_key,
        }
        code, out, err = await run_script(
            EXAMPLES / "telnyx_order.py", env=env
        )
        assert code == 0, err
        counts = sandbox.order_counts()
    assert len(counts) == 2
    assert set(counts.values()) == {1}
    assert out.count(": success") == 3


# -- every example is tested, documented and reachable ---------------------


def test_every_example_is_exercised() -> None:
    """Each Python file of examples/ has a test that runs it."""
    found = {
        str(p.relative_to(EXAMPLES))
        for p in EXAMPLES.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert found == set(EXERCISED)
    here = Path(__file__).read_text()
    for test in set(EXERCISED.values()):
        if test.startswith("tests/"):
            assert (ROOT / test).exists(), test
        else:
            assert f"def {test}(" in here, test


def test_every_example_says_how_to_run_it() -> None:
    """Each example's header says what it shows and how to run it."""
    for name in EXERCISED:
        if name.startswith("user_tests/"):
            continue
        source = (EXAMPLES / name).read_text()
        header = source.split('"""')[1]
        assert "sandbox" in header, name
        assert "python examples/" in header or "uvicorn" in header, name


def _resolve(identifier: str) -> object:
    # "flireo_async._numbers.PhoneNumbers" -> the class.
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(identifier)


def _documented() -> list[object]:
    # What the ``::: identifier`` lines of the reference render: the
    # objects named, and the public names of the modules rendered whole.
    rendered: list[object] = []
    for page in (DOCS / "reference").glob("*.md"):
        for ident in re.findall(r"^::: (\S+)", page.read_text(), re.M):
            obj = _resolve(ident)
            rendered.append(obj)
            if isinstance(obj, ModuleType):
                names = getattr(obj, "__all__", ())
                rendered += [getattr(obj, n) for n in names]
    return rendered


def test_reference_documents_every_public_name() -> None:
    """The API reference renders every name of every public __all__."""
    rendered = _documented()
    for module in (flireo_async, testing, sandbox_module, events, telnyx):
        missing = [
            name
            for name in module.__all__
            if name != "__version__"
            and not any(getattr(module, name) is r for r in rendered)
        ]
        assert not missing, f"{module.__name__}: not in docs: {missing}"


def test_readme_links_resolve() -> None:
    """Every relative link of the README names a file of this checkout."""
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(((?!https?:)[^)#]+)", readme)
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, missing
