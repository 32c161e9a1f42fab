package io.vmstate.stream;

import io.vmstate.api.Nullable;

/**
 * The {@code QEMU_VM_COMMAND} (0x08) ids of QEMU 7.2, with their fixed payload lengths (reference
 * §5.4). A command is {@code 0x08 | be16 cmd | be16 len | len bytes}; {@link #PACKAGED} is followed
 * by a nested stream of the length its payload names.
 *
 * <p>A SWITCHOVER_START between two RAM sections of the committed QEMU 10.0 fixture {@code
 * qemu-10.0/virt-devices.qemu}:
 *
 * <pre>
 * 0x57295  7e 00 00 00 02   footer of the RAM section (id 2)
 * 0x5729a  08               QEMU_VM_COMMAND
 * 0x5729b  00 0b            be16 cmd 11 (SWITCHOVER_START)
 * 0x5729d  00 00            be16 len 0, no payload
 * 0x5729f  03 00 00 00 02   the RAM section's END
 * </pre>
 */
public enum MigrationCommand {
  OPEN_RETURN_PATH(1, 0),
  PING(2, 4),
  /** 0 bytes (dirty-bitmap postcopy) or 16 (be64 page-size summary, be64 target page size). */
  POSTCOPY_ADVISE(3, -1),
  POSTCOPY_LISTEN(4, 0),
  POSTCOPY_RUN(5, 0),
  POSTCOPY_RAM_DISCARD(6, -1),
  /** be32 length of the package that follows the command. */
  PACKAGED(7, 4),
  ENABLE_COLO(8, 0),
  POSTCOPY_RESUME(9, 0),
  RECV_BITMAP(10, -1),
  /** QEMU 10.0+; accepted so newer streams can be inspected. */
  SWITCHOVER_START(11, 0);

  private final int id;
  private final int length;

  MigrationCommand(int id, int length) {
    this.id = id;
    this.length = length;
  }

  /** The be16 command id on the wire. */
  public int id() {
    return id;
  }

  /** The fixed payload length, or -1 when it varies. */
  public int fixedLength() {
    return length;
  }

  /** Whether {@code len} is a valid payload length for this command. */
  public boolean acceptsLength(int len) {
    return switch (this) {
      case POSTCOPY_ADVISE -> len == 0 || len == 16;
      case POSTCOPY_RAM_DISCARD -> len >= 3;
      case RECV_BITMAP -> len >= 1;
      default -> len == length;
    };
  }

  /** The command for an id, or null for 0 (INVALID) and unknown ids. */
  public static @Nullable MigrationCommand of(int id) {
    for (MigrationCommand c : values()) {
      if (c.id == id) {
        return c;
      }
    }
    return null;
  }
}
