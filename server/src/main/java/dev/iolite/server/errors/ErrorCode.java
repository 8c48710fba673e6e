package dev.iolite.server.errors;

/**
 * Every error Iolite reports, with IoT Hub's name, six-digit code and HTTP status
 * (https://learn.microsoft.com/azure/iot-hub/troubleshoot-error-codes).
 * The first three digits of the code are the HTTP status. Both wire surfaces render from this table.
 */
public enum ErrorCode {
    ARGUMENT_INVALID("ArgumentInvalid", 400004, "An argument is invalid."),
    ARGUMENT_NULL("ArgumentNull", 400005, "A required argument is missing."),
    IOT_HUB_FORMAT_ERROR("IotHubFormatError", 400006, "The request body could not be parsed."),
    BLOB_CONTAINER_VALIDATION_ERROR("BlobContainerValidationError", 400008,
            "The blob container could not be used."),
    DEVICE_DEFINED_MULTIPLE_TIMES("DeviceDefinedMultipleTimes", 400011, "A device is named more than once in the request."),
    DESERIALIZATION_ERROR("DeserializationError", 400012, "The device could not be read."),
    BULK_REGISTRY_OPERATION_FAILURE("BulkRegistryOperationFailure", 400013,
            "An error was encountered processing bulk registry operations."),
    INVALID_CONFIGURATION_TARGET_CONDITION("InvalidConfigurationTargetCondition", 400401,
            "The configuration's target condition is not valid."),
    INVALID_CONFIGURATION_CONTENT("InvalidConfigurationContent", 400402, "The configuration's content is not valid."),
    CANNOT_MODIFY_IMMUTABLE_CONFIGURATION_CONTENT("CannotModifyImmutableConfigurationContent", 400403,
            "The configuration's content cannot be changed."),
    INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY("InvalidConfigurationCustomMetricsQuery", 400404,
            "A custom metric query of the configuration is not valid."),
    UNAUTHORIZED("IotHubUnauthorizedAccess", 401002, "Unauthorized."),
    JOB_QUOTA_EXCEEDED("JobQuotaExceeded", 403003, "Job quota has been exceeded."),
    QUEUE_DEPTH_EXCEEDED("DeviceMaximumQueueDepthExceeded", 403004,
            "The device's cloud-to-device queue holds the most messages it may."),
    METHOD_INFLIGHT_EXCEEDED("DeviceMaximumInflightMethodExceeded", 403800,
            "The device maximum in-flight method limit has been exceeded."),
    DEVICE_NOT_FOUND("DeviceNotFound", 404001, "The device does not exist."),
    JOB_NOT_FOUND("JobNotFound", 404002, "The job does not exist."),
    MODULE_NOT_FOUND("ModuleNotFound", 404010, "The module does not exist."),
    HUB_NOT_FOUND("IotHubNotFound", 404003, "The IoT hub does not exist."),
    NOT_FOUND("NotFound", 404000, "The resource does not exist."),
    CONFIGURATION_NOT_FOUND("ConfigurationNotFound", 404301, "The configuration does not exist."),
    DEVICE_NOT_ONLINE("DeviceNotOnline", 404103, "The device is not online."),
    METHOD_NOT_ALLOWED("MethodNotAllowed", 405000, "The method is not allowed on this resource."),
    DEVICE_ALREADY_EXISTS("DeviceAlreadyExists", 409001, "The device already exists."),
    MODULE_ALREADY_EXISTS("ModuleAlreadyExistsOnDevice", 409301, "The module already exists on the device."),
    JOB_ALREADY_EXISTS("JobAlreadyExists", 409104, "A job of that id already exists."),
    CONFIGURATION_ALREADY_EXISTS("ConfigurationAlreadyExists", 409401, "The configuration already exists."),
    HUB_ALREADY_EXISTS("IotHubNameNotAvailable", 409002, "The IoT hub name is not available."),
    PRECONDITION_FAILED("PreconditionFailed", 412001, "The etag does not match the current version."),
    REQUEST_TOO_LARGE("RequestEntityTooLarge", 413001, "The request body is too large."),
    TOO_MANY_DEVICES("TooManyDevices", 413002, "Too many devices were included in the bulk operation."),
    MESSAGE_TOO_LARGE("MessageTooLarge", 413003, "The message is too large."),
    CONFIGURATION_COUNT_LIMIT_EXCEEDED("ConfigurationCountLimitExceeded", 413101,
            "The hub holds as many configurations as it may."),
    UNSUPPORTED_MEDIA_TYPE("UnsupportedMediaType", 415001, "The content type is not supported."),
    THROTTLED("ThrottlingException", 429001, "The request was throttled."),
    MAX_ACTIVE_JOBS("ThrottlingMaxActiveJobCountExceeded", 429004, "The hub has as many active jobs as it may."),
    SERVER_ERROR("ServerError", 500001, "The server encountered an internal error."),
    BAD_GATEWAY("GenericBadGateway", 502000, "The device's answer could not be relayed."),
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503001, "The service is unavailable."),
    SERVER_BUSY("ServerBusy", 503005, "The server is busy."),
    GATEWAY_TIMEOUT("GatewayTimeout", 504101, "Timed out waiting for the response from device.");

    private final String wireName;
    private final int code;
    private final String defaultMessage;

    ErrorCode(String wireName, int code, String defaultMessage) {
        this.wireName = wireName;
        this.code = code;
        this.defaultMessage = defaultMessage;
    }

    /** IoT Hub's name of the error, as sent in the {@code iothub-errorcode} header. */
    public String wireName() { return wireName; }

    /** The six-digit code, e.g. 404001. */
    public int code() { return code; }

    /** The HTTP status, the first three digits of the code. */
    public int httpStatus() { return code / 1000; }

    public String defaultMessage() { return defaultMessage; }
}
