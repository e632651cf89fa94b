"""Many clients at once against the real server: no 5xx, and a consistent state at the end.

Writers push deltas (PATCH) into two tables of a push data source, each in its own key space, so
each knows exactly what its part of the final data is; another thread inserts and deletes rules
(and whole policies) that read the same tables; readers list rows, query and simulate throughout.
At the end the derived table must equal what a fresh evaluation of the final data gives (computed
here in Python), and the data source and the policies must hold exactly what the writers left.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.functional.apischema import ApiDoc, assert_error

WRITERS = 3
OPS_PER_THREAD = 120
OWNERS = [f"o{i}" for i in range(12)]
_FINAL_LOCK = threading.Lock()


class Client:
    """A keep-alive session that records every unexpected answer instead of raising in a thread."""

    def __init__(self, base: str, problems: list[str]) -> None:
        self.base = base
        self.session = requests.Session()
        self.problems = problems

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        resp = self.session.request(method, self.base + path, timeout=60, **kwargs)
        if resp.status_code not in expect:
            self.problems.append(f"{method} {path} -> {resp.status_code}: {resp.text[:300]}")
            return None
        return resp.json() if resp.content else None


@pytest.fixture(scope="module")
def base(congress_server) -> str:
    url = congress_server.url + "/v1"
    schema = {"vms": ["id", "owner"], "banned": ["owner"]}
    for method, path, body in (
        ("POST", "/data-sources", {"name": "cc", "driver": "push", "config": {"schema": schema}}),
        ("POST", "/policies", {"name": "cp"}),
        ("POST", "/policies/cp/rules", {"rule": "flagged(id) :- cc:vms(id, o), cc:banned(o)"}),
        ("POST", "/policies/cp/rules", {"rule": "clean(id) :- cc:vms(id, o), not cc:banned(o)"}),
    ):
        assert requests.request(method, url + path, json=body, timeout=30).status_code == 201
    return url


def _rows(result: Any) -> set[tuple]:
    return {tuple(r["data"]) for r in result["results"]}


def vm_writer(client: Client, k: int, final: dict[str, set]) -> None:
    """PATCHes vms rows with ids ``w<k>-*`` only; its model of them ends in ``final['vms']``."""
    rng = random.Random(k)
    mine: set[tuple] = set()
    for i in range(OPS_PER_THREAD):
        insert = [(f"w{k}-{rng.randrange(40)}", rng.choice(OWNERS)) for _ in range(rng.randrange(1, 4))]
        delete = rng.sample(sorted(mine), min(len(mine), rng.randrange(0, 3)))
        if i % 25 == 24:  # now and then, delete rows that are not there
            delete.append((f"w{k}-absent", "o0"))
        client.call("PATCH", "/data-sources/cc/tables/vms/rows", json={"insert": insert, "delete": delete})
        mine = (mine - set(delete)) | set(insert)
    with _FINAL_LOCK:
        final["vms"] |= mine


def banned_writer(client: Client, final: dict[str, set]) -> None:
    rng = random.Random("banned")
    banned: set[tuple] = set()
    for _ in range(OPS_PER_THREAD):
        owner = (rng.choice(OWNERS),)
        if owner in banned:
            client.call("PATCH", "/data-sources/cc/tables/banned/rows", json={"delete": [owner]})
            banned.discard(owner)
        else:
            client.call("PATCH", "/data-sources/cc/tables/banned/rows", json={"insert": [owner]})
            banned.add(owner)
    final["banned"] = banned


def rule_churner(client: Client, final: dict[str, set]) -> None:
    """Inserts and deletes rules over the pushed tables, and whole policies; keeps every third rule."""
    kept: set[str] = set()
    for i in range(OPS_PER_THREAD // 2):
        text = f'tmp{i}(id) :- cc:vms(id, o), cc:banned(o), not equal(o, "o{i % 12}")'
        rule = client.call("POST", "/policies/cp/rules", (201,), json={"rule": text})
        if rule is None:
            continue
        if i % 3:
            client.call("DELETE", f"/policies/cp/rules/{rule['id']}")
        else:
            kept.add(rule["id"])
        if i % 10 == 0:
            client.call(
                "POST",
                "/policies",
                (201,),
                json={"name": f"cc_tmp{i}", "rules": [{"rule": "z(x) :- cc:banned(x)"}]},
            )
            client.call("GET", f"/policies/cc_tmp{i}/tables/z/rows")
            client.call("DELETE", f"/policies/cc_tmp{i}")
    final["kept_rules"] = kept


def reader(client: Client) -> None:
    """GET rows, query and simulate; every answer must be well-formed (checked against the document)."""
    doc = ApiDoc()
    client.session.hooks["response"].append(lambda resp, *a, **k: doc.check(resp))
    simulate = {"query": "flagged(x)", "sequence": 'cc:banned+("o1")', "action_policy": "action"}
    for i in range(OPS_PER_THREAD):
        step = i % 4
        if step == 0:
            client.call("GET", "/policies/cp/tables/flagged/rows")
        elif step == 1:
            client.call("GET", "/data-sources/cc/tables/vms/rows")
        elif step == 2:
            client.call("POST", "/policies/cp?action=query", json={"query": "clean(x)"})
        else:
            client.call("POST", "/policies/cp?action=simulate", json=simulate)


def test_concurrent_writers_readers_and_rule_changes(base, congress_server):
    problems: list[str] = []
    final: dict[str, set] = {"vms": set()}
    jobs: list[Callable[[Client], None]] = [
        *(lambda c, k=k: vm_writer(c, k, final) for k in range(WRITERS)),
        lambda c: banned_writer(c, final),
        lambda c: rule_churner(c, final),
        reader,
        reader,
    ]
    failures: list[BaseException] = []

    def run(job: Callable[[Client], None]) -> None:
        try:
            job(Client(base, problems))
        except BaseException as exc:  # an assertion in a response hook, a lost connection...
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert not failures, failures[:3]
    assert not problems, problems[:5]

    check_final_state(base, final)
    # What was persisted is what was served: the same after a restart.
    congress_server.restart()
    check_final_state(base, final)


def check_final_state(base: str, final: dict[str, set]) -> None:
    # The final state is exactly what the writers left ...
    get = lambda path: requests.get(base + path, timeout=30).json()  # noqa: E731
    assert _rows(get("/data-sources/cc/tables/vms/rows")) == final["vms"]
    assert _rows(get("/data-sources/cc/tables/banned/rows")) == final["banned"]
    rules = {r["id"] for r in get("/policies/cp/rules")["results"]}
    assert final["kept_rules"] <= rules and len(rules) == len(final["kept_rules"]) + 2
    assert not [p for p in get("/policies")["results"] if p["name"].startswith("cc_tmp")]
    # ... and the derived tables are a fresh evaluation of it.
    banned = {b for (b,) in final["banned"]}
    assert _rows(get("/policies/cp/tables/flagged/rows")) == {(v,) for v, o in final["vms"] if o in banned}
    assert _rows(get("/policies/cp/tables/clean/rows")) == {(v,) for v, o in final["vms"] if o not in banned}
    for i in range(0, OPS_PER_THREAD // 2, 3):
        expected = {(v,) for v, o in final["vms"] if o in banned and o != f"o{i % 12}"}
        assert _rows(get(f"/policies/cp/tables/tmp{i}/rows")) == expected


RACERS = 8


def race(base: str, method: str, path: str, body: Any) -> list[requests.Response]:
    """``RACERS`` threads send the same request at the same moment; their answers."""
    barrier = threading.Barrier(RACERS)
    answers: list[requests.Response] = []

    def go() -> None:
        session = requests.Session()
        barrier.wait()
        answers.append(session.request(method, base + path, json=body, timeout=60))

    threads = [threading.Thread(target=go) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.parametrize(
    "path,body,listing",
    [
        ("/policies", {"name": "race_p"}, "/policies"),
        ("/policies", {"name": "race_pr", "rules": [{"rule": "a(1)"}]}, "/policies"),
        ("/data-sources", {"name": "race_ds", "driver": "push"}, "/data-sources"),
        (
            "/policies/classification/rules",
            {"rule": 'race(x) :- cc:banned(x), equal(x, "o3")'},
            "/policies/classification/rules",
        ),
        ("/librarypolicies", {"name": "race_lib", "rules": []}, "/librarypolicies"),
    ],
    ids=["policy", "policy-with-rules", "datasource", "rule", "library-policy"],
)
def test_identical_creates_at_once_make_exactly_one(base, path, body, listing):
    before = {item["id"] for item in requests.get(base + listing, timeout=30).json()["results"]}
    answers = race(base, "POST", path, body)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (RACERS - 1), [a.text[:200] for a in answers if a.status_code != 409]
    for answer in answers:
        if answer.status_code == 409:
            assert_error(answer, 409)
    after = {item["id"] for item in requests.get(base + listing, timeout=30).json()["results"]}
    created = next(a.json() for a in answers if a.status_code == 201)
    assert after - before == {created["id"]}


def test_deletes_of_one_thing_at_once_succeed_once(base):
    created = requests.post(f"{base}/policies", json={"name": "race_del"}, timeout=30).json()
    answers = race(base, "DELETE", f"/policies/{created['id']}", None)
    assert sorted(a.status_code for a in answers) == [200] + [404] * (RACERS - 1)
    assert requests.get(f"{base}/policies/race_del", timeout=30).status_code == 404
