"""libbrick's error categories become os-brick's exceptions, in-process and via the tool."""

import pytest

from brickworks import _brick
from brickworks import exception
from conftest import chap_data

EXPECTED = {
    "invalid_properties": exception.InvalidParameterValue,
    "target_unreachable": exception.TargetPortalNotFound,
    "login_failed": exception.FailedISCSITargetPortalLogin,
    "authentication_failed": exception.FailedISCSITargetPortalLogin,
    "device_not_found": exception.VolumeDeviceNotFound,
    "timeout": exception.ExecutionTimeout,
    "command_failed": exception.ProcessExecutionError,
    "not_supported": exception.ProtocolNotSupported,
    "would_lose_data": exception.BrickException,
    "wrong_device": exception.BrickException,
    "host_error": exception.BrickException,
    "internal": exception.BrickException,
}


def test_every_category_has_an_exception_and_the_tool_s_exit_code():
    codes = _brick.exit_codes()
    assert set(codes.values()) == set(EXPECTED)
    assert codes == exception.EXIT_CODE_CATEGORIES


@pytest.mark.parametrize("category", sorted(EXPECTED))
def test_category_maps_to_os_brick_exception(category):
    error = exception.from_error(category, "what failed", "data.target_iqn")
    assert type(error) is EXPECTED[category]
    assert (error.category, error.field, error.detail) == (category, "data.target_iqn",
                                                          "what failed")
    assert "what failed" in str(error)


def test_extend_reports_missing_paths_as_os_brick_does():
    error = exception.from_error("device_not_found", "no paths", operation="extend")
    assert isinstance(error, exception.VolumePathsNotFound)


def test_process_errors_carry_the_exit_code():
    error = exception.from_error("command_failed", "multipathd is not running", exit_code=16,
                                 cmd="brick connect")
    assert error.exit_code == 16 and error.cmd == "brick connect"
    assert isinstance(exception.from_error("timeout", "late"), exception.ProcessExecutionError)


def test_malformed_properties_raise_invalid_parameter_value_in_process(sim):
    from os_brick.initiator import connector
    host = sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    with pytest.raises(exception.InvalidParameterValue) as raised:
        iscsi.connect_volume(chap_data(target_lun="one"))
    assert raised.value.category == "invalid_properties"
    assert "target_lun" in raised.value.field
    assert host.leftovers() == []


def test_unreachable_portal_raises_target_portal_not_found(sim):
    from os_brick.initiator import connector
    host = sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    with pytest.raises(exception.BrickException) as raised:
        iscsi.connect_volume(chap_data(target_portal="192.168.122.99:3260"))
    assert raised.value.category == "target_unreachable"
    assert isinstance(raised.value, exception.TargetPortalNotFound)
    assert host.leftovers() == []


def test_wrong_chap_secret_raises_login_failure_without_the_secret(sim):
    from os_brick.initiator import connector
    sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    with pytest.raises(exception.FailedISCSITargetPortalLogin) as raised:
        iscsi.connect_volume(chap_data(auth_password="not-the-secret-93"))
    assert raised.value.category == "authentication_failed"
    assert "not-the-secret-93" not in str(raised.value)


def test_unserialisable_properties_are_refused(sim):
    from os_brick.initiator import connector
    sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    with pytest.raises(exception.InvalidParameterValue):
        iscsi.connect_volume(chap_data(target_lun=object()))
