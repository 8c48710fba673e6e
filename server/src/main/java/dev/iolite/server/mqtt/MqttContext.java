package dev.iolite.server.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.devices.DeviceAuthenticator;
import dev.iolite.server.devices.DeviceSessions;
import dev.iolite.server.devices.MethodAnswers;
import dev.iolite.server.messages.CloudMessages;
import dev.iolite.server.messages.MessageSink;
import dev.iolite.server.registry.RegistryService;

import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * What every MQTT connection works with: the domain services, and the executor that runs what may block
 * (authentication, twin reads and writes) off the network threads.
 */
public record MqttContext(DeviceAuthenticator authenticator, DeviceSessions sessions, RegistryService registry,
                   MessageSink messages, MethodAnswers methods, Executor work, ObjectMapper json, Clock clock,
                          MqttMetrics metrics, CloudMessages cloud) {}
