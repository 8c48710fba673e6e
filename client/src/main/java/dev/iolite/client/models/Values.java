package dev.iolite.client.models;

import com.azure.core.util.ExpandableStringEnum;

import java.util.Collection;

/** Case-insensitive matching of wire values to known enum values. */
final class Values {
    private Values() {}

    static String canonical(String name, Collection<? extends ExpandableStringEnum<?>> known) {
        for (ExpandableStringEnum<?> v : known) {
            if (v.toString().equalsIgnoreCase(name)) return v.toString();
        }
        return name;
    }
}
