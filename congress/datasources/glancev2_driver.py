"""Glance v2 (image): images and their tags."""

from __future__ import annotations

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service

IMAGES = tr.HDict(
    table="images",
    fields=(
        tr.Field("id", desc="UUID of image"),
        tr.Field("status", desc="The image status"),
        tr.Field("name", desc="Image Name"),
        tr.Field("container_format", desc="The container format of image"),
        tr.Field("created_at", desc="The date and time when the resource was created"),
        tr.Field("updated_at", desc="The date and time when the resource was updated."),
        tr.Field("disk_format", desc="The disk format of the image."),
        tr.Field("owner", desc="The ID of the owner or tenant of the image"),
        tr.Field("protected", desc="Indicates whether the image can be deleted."),
        tr.Field("min_ram", desc="minimum amount of RAM in MB required to boot the image"),
        tr.Field("min_disk", desc="minimum disk size in GB required to boot the image"),
        tr.Field("checksum", desc="Hash of the image data used"),
        tr.Field("size", desc="The size of the image data, in bytes."),
        tr.Field("file", desc="URL for the virtual machine image file"),
        tr.Field("kernel_id", desc="kernel id"),
        tr.Field("ramdisk_id", desc="ramdisk id"),
        tr.Field("schema", desc="URL for schema of the virtual machine image"),
        tr.Field("visibility", desc="The image visibility"),
        tr.Field(
            "tags",
            tr.ListOf(
                table="tags",
                parent_key="id",
                parent_col="image_id",
                parent_key_desc="UUID of image",
                val_col="tag",
                val_col_desc="List of image tags",
            ),
        ),
    ),
)


class GlanceV2Driver(OpenStackDriver):
    driver_id = "glancev2"
    description = "Datasource driver that interfaces with OpenStack Images aka Glance."
    translators = (IMAGES,)
    service = Service(("image",), version="v2")
    listings = {"images": Listing("/images", "images", paging="next")}
    rest_actions = {
        "images.delete": RestAction(
            "DELETE", "/images/{image_id}", ("image_id",), description="Delete an image"
        ),
        "images.deactivate": RestAction(
            "POST", "/images/{image_id}/actions/deactivate", ("image_id",), description="Deactivate an image"
        ),
        "images.reactivate": RestAction(
            "POST", "/images/{image_id}/actions/reactivate", ("image_id",), description="Reactivate an image"
        ),
        "image_tags.update": RestAction(
            "PUT", "/images/{image_id}/tags/{tag_value}", ("image_id", "tag_value"), description="Add a tag"
        ),
        "image_tags.delete": RestAction(
            "DELETE",
            "/images/{image_id}/tags/{tag_value}",
            ("image_id", "tag_value"),
            description="Remove a tag",
        ),
    }
