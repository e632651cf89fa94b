"""An HTTP fake of a vCenter's vSphere Web Services JSON API (``/sdk/vim25/<release>/...``).

``POST .../SessionManager/SessionManager/Login`` checks the user and password and
answers with a ``vmware-api-session-id`` header; every other call must carry it and
is answered from recorded responses, matched by method and path and, for
``RetrievePropertiesEx``, by the managed object type asked for (recorded as ``query``
``{"type": "HostSystem"}``). ``expire()``
invalidates the session, as a vCenter does after its idle timeout.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.openstack import PASSWORD, USER, FakeOpenStack, SeenRequest

SDK = "/sdk/vim25/8.0.1.0"


class FakeVCenter(FakeOpenStack):
    sessions = 0

    def config(self, **extra: Any) -> dict[str, Any]:
        return {"auth_url": self.url, "username": USER, "password": PASSWORD, "poll_time": 0, **extra}

    def expire(self) -> None:
        self.sessions += 1

    @property
    def session(self) -> str:
        return f"vc-session-{self.sessions}"

    def answer(self, seen: SeenRequest) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(seen)
        if seen.method == "POST" and seen.path == SDK + "/SessionManager/SessionManager/Login":
            if seen.body != {"userName": USER, "password": PASSWORD}:
                return 400, {}, {"_typeName": "InvalidLogin", "faultMessage": []}
            return (
                200,
                {"vmware-api-session-id": self.session},
                {"_typeName": "UserSession", "userName": USER},
            )
        if seen.headers.get("vmware-api-session-id") != self.session:
            return 401, {}, {"_typeName": "NotAuthenticated", "faultMessage": []}
        key: tuple = ()
        if seen.path.endswith("/RetrievePropertiesEx"):
            key = (("type", seen.body["specSet"][0]["propSet"][0]["type"]),)
        with self._lock:
            recorded = self.routes.get((seen.method, seen.path, key))
        if recorded is None:
            return 404, {}, {"_typeName": "ManagedObjectNotFound"}
        return recorded.status, {}, recorded.body
