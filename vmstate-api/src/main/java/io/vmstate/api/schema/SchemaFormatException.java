package io.vmstate.api.schema;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;

/**
 * A schema file (QEMU's {@code -dump-vmstate} JSON, our extended JSON or a protobuf {@code
 * SchemaSet}) that cannot be read: malformed syntax, a member of the wrong type, a required member
 * missing. The byte offset and the path inside the file (section key, {@code Fields[3]}, ...) are
 * attached.
 */
public final class SchemaFormatException extends VmStateDecodeException {
  private static final long serialVersionUID = 1L;

  private SchemaFormatException(String reason, Throwable cause) {
    super(reason, cause);
  }

  /** The JSON text is not well formed (Jackson's own message is kept). */
  public static SchemaFormatException malformedJson(String detail, long offset, Throwable cause) {
    return new SchemaFormatException("malformed schema JSON: " + detail, cause).atOffset(offset);
  }

  /** A member holds the wrong kind of value. */
  public static SchemaFormatException wrongType(String member, String expected, long offset) {
    return new SchemaFormatException("'" + member + "' must be " + expected, null).atOffset(offset);
  }

  /** A member every entry of this kind needs is absent. */
  public static SchemaFormatException missingMember(String member, String entry, long offset) {
    return new SchemaFormatException(entry + " has no '" + member + "' member", null)
        .atOffset(offset);
  }

  /** A member's value is outside what the format allows. */
  public static SchemaFormatException badValue(String member, String value, long offset) {
    return new SchemaFormatException("'" + member + "' has an invalid value " + value, null)
        .atOffset(offset);
  }

  /** The bytes are not a protobuf {@code SchemaSet}. */
  public static SchemaFormatException malformedProto(String detail, Throwable cause) {
    return new SchemaFormatException("malformed protobuf SchemaSet: " + detail, cause);
  }

  /** The input cannot be read at all. */
  public static SchemaFormatException unreadable(String detail, Throwable cause) {
    return new SchemaFormatException("cannot read the schema: " + detail, cause);
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public SchemaFormatException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public SchemaFormatException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public SchemaFormatException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
