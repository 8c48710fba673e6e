package dev.iolite.server.blob;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.function.Function;

/**
 * A request's blob field that cannot be used, and why. Its message names the field in the domain's
 * words ("the output container URI is required"); a surface words it with its own field name through
 * {@link #named}.
 */
public final class BlobFieldException extends IoliteException {
    private final BlobField field;
    private final String problem;

    public BlobFieldException(ErrorCode code, BlobField field, String problem) {
        super(code, field.description() + " " + problem);
        this.field = field;
        this.problem = problem;
    }

    public BlobField field() { return field; }

    /** The same failure, naming the field as a surface calls it: {@code 'exportBlobContainerUri' is required}. */
    public IoliteException named(Function<BlobField, String> wireName) {
        return new IoliteException(errorCode(), "'" + wireName.apply(field) + "' " + problem);
    }
}
