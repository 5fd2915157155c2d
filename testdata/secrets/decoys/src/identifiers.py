"""Names that share a prefix with a provider's token format."""

from controllers.api import organizations as api_org_controller

vci_interface_register_callback_handler_for_device_events = None
cfat_allocation_table_entries_for_the_second_partition_x = 0
DIGESTS = {"sha3-256": "SHA3-256", "sha3-512": "SHA3-512"}
