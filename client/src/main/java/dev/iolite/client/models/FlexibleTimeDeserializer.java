package dev.iolite.client.models;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads a time sent as RFC 1123 (the management API) or ISO-8601 (the service API). */
final class FlexibleTimeDeserializer extends JsonDeserializer<OffsetDateTime> {
    FlexibleTimeDeserializer() {}

    @Override
    public OffsetDateTime deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        String text = p.getValueAsString();
        if (text == null || text.isBlank()) return null;
        try {
            return parse(text.trim());
        } catch (DateTimeParseException e) {
            return (OffsetDateTime) ctx.handleWeirdStringValue(OffsetDateTime.class, text,
                    "neither an RFC 1123 nor an ISO-8601 time");
        }
    }

    static OffsetDateTime parse(String text) {
        if (!text.isEmpty() && Character.isLetter(text.charAt(0))) {
            return OffsetDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
        }
        return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
