"""Swift (object store): the account's containers and every container's objects."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, fetch_listing

CONTAINERS = tr.HDict(table="containers", fields=tr.fields("count", "bytes", "name"))
OBJECTS = tr.HDict(
    table="objects",
    fields=tr.fields("bytes", "last_modified", "hash", "name", "content_type", "container_name"),
)
JSON_PAGES = Listing("", None, {"format": "json"}, paging="marker")


class SwiftDriver(OpenStackDriver):
    """Lists every page of the account (the original kept only the last page of containers)."""

    driver_id = "swift"
    description = "Datasource driver that interfaces with swift."
    translators = (CONTAINERS, OBJECTS)
    service = Service(("object-store",))
    rest_actions = {
        "delete_container": RestAction(
            "DELETE", "/{container}", ("container",), description="Delete an (empty) container"
        ),
        "delete_object": RestAction(
            "DELETE", "/{container}/{object}", ("container", "object"), description="Delete an object"
        ),
    }

    def fetch(self, root_table: str) -> list[Any]:
        containers = fetch_listing(self.client, JSON_PAGES)
        if root_table == "containers":
            return containers
        objects = []
        for container in containers:
            for obj in fetch_listing(self.client, JSON_PAGES, "/" + quote(container["name"], safe="")):
                objects.append({**obj, "container_name": container["name"]})
        return objects
