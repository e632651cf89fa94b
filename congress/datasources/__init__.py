"""Datasource drivers: cloud APIs turned into Congress tables.

Modules
-------
- ``interface``: what the server uses (``Driver``, ``DriverFactory``, ``DriverInfo``, ``DriverStatus``).
- ``registry``: find driver classes by id, original class path or endpoint (``load_drivers``, ``resolve``).
- ``translator``: the declarative nested-JSON -> tables language (``HDict``, ``VDict``, ``ListOf``,
  ``Scalar``, ``Field``), with the original's schemas, row shapes and content-hash ids.
- ``values``: column data types (``Str``, ``Int``, ``Bool``, ``IPAddress``, ``EnumType`` ...) and
  ``to_congress`` (None -> "None", bools -> "True"/"False"), applied when rows are published.
- ``base``: ``DataSourceDriver`` (state, delta publishing, status, lazy tables, actions),
  ``PollingDriver`` (``poll_time`` thread, back-off) and ``PushDriverBase`` (rows pushed over the API).
- ``openstack``: keystoneauth sessions, catalog endpoints, paged REST listings, ``OpenStackDriver``.
- ``handwritten``: ``LiteralSchema`` for drivers whose tables are declared literally, not by translators.
- ``push_driver`` and one ``<service>_driver`` module per service (cloudfoundryv2, vCenter and plexxi
  are not OpenStack; doctor, vitrage and monasca_webhook are push/webhook drivers).

How a driver runs
-----------------
``Driver(name, config, bus)`` validates the config (unknown or missing options raise
``DriverConfigError``); ``start()`` registers the driver on the bus under ``name`` (for
``execute_action``) and, for polling drivers, starts a thread. Each poll fetches every active root
table, translates it, and publishes per table a ``TableUpdate`` on ``datasource_topic(name)``: a
snapshot (``replace=True``) the first time, afterwards only inserted/deleted rows. A failed poll
changes nothing, sets ``status().last_error`` and doubles the wait (up to 300 s).
``request_refresh()`` polls synchronously and raises ``PollError`` on failure.

Pushes (``push_rows``, ``push_delta``) and webhooks change tables through ``TableChange``
values, applied row by row: a one-row delta costs one row, whatever the table's size. The
server sets a change store (``set_change_store``) that gets each change before the driver
applies it; when it refuses, nothing changes. For a driver that ``persists`` (config option
``persist_data``: on by default for ``push``, off for doctor, vitrage and monasca_webhook) the
store writes it to the database, one row per table row, and at start the server hands the
stored rows to ``restore_tables``; ``start()`` publishes them as snapshots. Polled tables are
never stored (the next poll brings them back).

Adding a driver
---------------
A driver module is declarations plus the code only that service needs. For an OpenStack service::

    from congress.datasources import translator as tr
    from congress.datasources.openstack import (Listing, OpenStackDriver, RestAction, Service,
                                                openstack_options)
    from congress.datasources.values import Str

    ALARMS = tr.HDict(
        table="alarms",                           # root table: one row per API object
        fields=(
            tr.Field("alarm_id", desc="alarm UUID"),
            tr.Field("state", tr.Scalar(type=Str), desc="alarm state"),
            tr.Field("rule", tr.VDict(table="alarms.rule", parent_key="alarm_id",
                                      parent_col="alarm_id", key_col="key", val_col="value")),
        ),
    )

    class AodhDriver(OpenStackDriver):
        driver_id = "aodh"                        # == the entry-point name in pyproject.toml
        description = "..."                       # the original's text, shown by the API
        config_options = openstack_options()      # or openstack_options("api_version") etc.
        translators = (ALARMS,)                   # root translators; children are nested fields
        service = Service(("alarming",))          # catalog types to try; version appended if missing
        listings = {"alarms": Listing("/v2/alarms", None)}   # GET per root table (None: body is a list)
        rest_actions = {"alarm.delete": RestAction("DELETE", "/v2/alarms/{alarm}", ("alarm",))}

Then:

1. Override ``fetch(root_table)`` only when one GET per root is not enough (heat walks stacks,
   swift walks containers); return the list of objects the root translator takes.
2. Driver-specific actions are methods marked ``@driver_action(description, args)``.
3. Non-OpenStack pollers subclass ``PollingDriver`` and implement ``fetch``; push drivers subclass
   ``PushDriverBase`` (``push_rows(table, objects)`` goes through that root's translator) and override
   ``webhook`` when the service posts notifications. Drivers that build rows by hand (murano, plexxi,
   config) mix in ``handwritten.LiteralSchema`` and override ``PollingDriver.table_sources``.
4. The class path and id are already registered in pyproject.toml's ``congress.datasource.drivers``
   entry points (all 23 original drivers plus ceilometer); a new id needs a line there.
5. Record API responses as tests/data/drivers/<id>.json (see the existing ones) and add the id to
   ``tests/functional/test_drivers_recorded.py``; ``tests/unit/datasources/test_driver_schemas.py``
   checks every registered driver against tests/data/drivers/drivers.json automatically.

Translator declarations are validated when the module is imported (``InvalidTranslator``): unknown
parent keys, duplicate columns or tables, nested containers without a link, and so on.
"""
