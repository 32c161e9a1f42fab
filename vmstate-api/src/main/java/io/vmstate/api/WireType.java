package io.vmstate.api;

/**
 * The wire encodings of QEMU's {@code VMStateInfo} table, with the exact type names that QEMU
 * writes into the vmdesc JSON ({@code "type"}) and into {@code -dump-vmstate}.
 *
 * <p>All multi-byte integers are big-endian on the wire. {@link #width()} is the size of one
 * element in bytes, or {@code -1} for encodings whose size is given by the field (buffers, bitmaps)
 * or by a child description (structs and containers).
 */
public enum WireType {
  BOOL("bool", 1, false),
  INT8("int8", 1, true),
  INT16("int16", 2, true),
  INT32("int32", 4, true),
  INT64("int64", 8, true),
  UINT8("uint8", 1, false),
  UINT16("uint16", 2, false),
  UINT32("uint32", 4, false),
  UINT64("uint64", 8, false),
  /** Load fails unless the received value equals the local one. */
  INT32_EQUAL("int32 equal", 4, true),
  UINT8_EQUAL("uint8 equal", 1, false),
  UINT16_EQUAL("uint16 equal", 2, false),
  UINT32_EQUAL("uint32 equal", 4, false),
  /** QEMU's uint64 equal check; its info is (mis)named {@code "int64 equal"}. */
  UINT64_EQUAL("int64 equal", 8, false),
  /** "int32 less-or-equal": load accepts {@code 0 <= received <= local}. Big-endian, not LE. */
  INT32_LE("int32 le", 4, true),
  /** IEEE-754 double, big-endian bits. */
  FLOAT64("float64", 8, false),
  /** A double sent as the upper then the lower big-endian 32-bit word. */
  CPU_DOUBLE("CPU_Double_U", 8, false),
  /** A timer expiry in ns, or -1 when not armed. */
  TIMER("timer", 8, true),
  BUFFER("buffer", -1, false),
  UNUSED("unused_buffer", -1, false),
  BITMAP("bitmap", -1, false),
  /** A QAPI capability name: one length byte and that many bytes. */
  CAPABILITY("capability", -1, false),
  STRUCT("struct", -1, false),
  VSTRUCT("vstruct", -1, false),
  QTAILQ("qtailq", -1, false),
  QLIST("qlist", -1, false),
  GTREE("gtree", -1, false),
  TMP("tmp", -1, false),
  /** The 1-byte 0x30 marker sent in place of a NULL pointer element. */
  NULLPTR("nullptr", 1, false);

  private final String qemuName;
  private final int width;
  private final boolean signed;

  WireType(String qemuName, int width, boolean signed) {
    this.qemuName = qemuName;
    this.width = width;
    this.signed = signed;
  }

  /** The name QEMU uses for this info in vmdesc and {@code -dump-vmstate}. */
  public String qemuName() {
    return qemuName;
  }

  /** Bytes per element, or -1 when the field or a child description decides. */
  public int width() {
    return width;
  }

  /** Whether values of this type are shown as signed numbers. */
  public boolean isSigned() {
    return signed;
  }

  /** Whether this is a fixed-width integer-like scalar (including bool, equal checks, timer). */
  public boolean isFixedWidthScalar() {
    return width > 0 && this != NULLPTR;
  }

  /** Whether this type fails the load when the received value does not match the local one. */
  public boolean isCheck() {
    return switch (this) {
      case INT32_EQUAL, UINT8_EQUAL, UINT16_EQUAL, UINT32_EQUAL, UINT64_EQUAL, INT32_LE -> true;
      default -> false;
    };
  }

  /**
   * The plain type that reads the same bytes as a check type ({@code uint32 equal} reads as {@code
   * uint32}, {@code int32 le} as {@code int32}); any other type is returned as it is.
   */
  public WireType plain() {
    return switch (this) {
      case INT32_EQUAL, INT32_LE -> INT32;
      case UINT8_EQUAL -> UINT8;
      case UINT16_EQUAL -> UINT16;
      case UINT32_EQUAL -> UINT32;
      case UINT64_EQUAL -> UINT64;
      default -> this;
    };
  }

  /** Looks a type up by its QEMU name; {@code null} when QEMU's name is not one of ours. */
  public static @Nullable WireType fromQemuName(String name) {
    for (WireType t : values()) {
      if (t.qemuName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
