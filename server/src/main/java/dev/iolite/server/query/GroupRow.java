package dev.iolite.server.query;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One row of an aggregate query's result: the value of each GROUP BY key (in the query's order; null
 * where the key is undefined for the group) and how many twins the group holds.
 */
public record GroupRow(List<JsonNode> keys, long count) {}
