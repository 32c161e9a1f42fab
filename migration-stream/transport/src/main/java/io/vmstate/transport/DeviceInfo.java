package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.protobuf.ByteString;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VersionWindow;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.schema.SchemaExporter;

/**
 * One device section as announced in a framed session's Hello: its QEMU identity (idstr, instance),
 * the version it is encoded at ({@code version}) and the oldest version it can be read as ({@code
 * minimumVersion}), plus its schema bytes: a serialized {@link
 * io.vmstate.api.schema.proto.SectionSchema}, or empty when the sender has none (a stream file).
 *
 * <p>On the destination side the same record describes what the destination can load: {@code
 * version} is the newest version it understands and {@code minimumVersion} the oldest.
 */
public record DeviceInfo(
    String idstr, long instanceId, int version, int minimumVersion, ByteString schema) {
  public DeviceInfo {
    checkNotNull(idstr, "idstr");
    checkArgument(!idstr.isEmpty() && idstr.length() <= 255, "idstr length 1..255: '%s'", idstr);
    checkArgument(instanceId >= 0 && instanceId <= 0xffffffffL, "instanceId: %s", instanceId);
    checkArgument(
        minimumVersion >= 0 && minimumVersion <= version,
        "versions of %s: minimum %s > version %s",
        idstr,
        minimumVersion,
        version);
    checkNotNull(schema, "schema");
  }

  /** The versions this side reads: {@code [minimumVersion, version]}. */
  public VersionWindow versions() {
    return VersionWindow.of(minimumVersion, version);
  }

  /** A device without schema bytes. */
  public static DeviceInfo of(String idstr, long instanceId, int version, int minimumVersion) {
    return new DeviceInfo(idstr, instanceId, version, minimumVersion, ByteString.EMPTY);
  }

  /**
   * A device described by {@code description}: sent at (or, on a destination, read up to) its
   * version, readable from its minimum version, with its exported schema ({@link
   * SchemaExporter#section(String, VmStateDescription)} keyed by {@code idstr}, as protobuf bytes)
   * for the destination's compatibility check.
   */
  public static DeviceInfo of(String idstr, long instanceId, VmStateDescription<?> description) {
    return new DeviceInfo(
        idstr,
        instanceId,
        description.version(),
        description.minimumVersion(),
        SchemaExporter.section(idstr, description).toByteString());
  }

  /** The section this device is sent as. */
  public SectionRef ref() {
    return new SectionRef(idstr, instanceId, version);
  }
}
