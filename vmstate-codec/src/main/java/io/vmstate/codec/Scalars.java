package io.vmstate.codec;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.WireType;

/** Reading and writing one fixed-width scalar as raw bits, per QEMU's info encodings. */
public final class Scalars {
  private Scalars() {}

  /** Writes {@code bits} in the type's width; bools are written as 0 or 1. */
  public static void write(WireType type, long bits, WireOutput out) throws VmStateEncodeException {
    switch (type.width()) {
      case 1 -> out.writeU8(type == WireType.BOOL ? (bits != 0 ? 1 : 0) : (int) bits);
      case 2 -> out.writeBe16((int) bits);
      case 4 -> out.writeBe32((int) bits);
      case 8 -> out.writeBe64(bits);
      default -> throw new IllegalArgumentException(type + " is not a fixed-width scalar");
    }
  }

  /** Reads one value, sign- or zero-extended per the type; bools become 0 or 1. */
  public static long read(WireType type, WireInput in) throws VmStateDecodeException {
    return switch (type) {
      case BOOL -> in.readU8() != 0 ? 1 : 0;
      case INT8 -> (byte) in.readU8();
      case UINT8, UINT8_EQUAL -> in.readU8();
      case INT16 -> in.readBe16();
      case UINT16, UINT16_EQUAL -> in.readBe16() & 0xffff;
      case INT32, INT32_EQUAL, INT32_LE -> in.readBe32();
      case UINT32, UINT32_EQUAL -> in.readBe32() & 0xffffffffL;
      default -> {
        if (type.width() != 8) {
          throw new IllegalArgumentException(type + " is not a fixed-width scalar");
        }
        yield in.readBe64();
      }
    };
  }

  /** Normalizes raw bits to the value {@link #read} would produce for the same wire bytes. */
  public static long normalize(WireType type, long bits) {
    return switch (type) {
      case BOOL -> bits != 0 ? 1 : 0;
      case INT8 -> (byte) bits;
      case UINT8, UINT8_EQUAL -> bits & 0xff;
      case INT16 -> (short) bits;
      case UINT16, UINT16_EQUAL -> bits & 0xffff;
      case INT32, INT32_EQUAL, INT32_LE -> (int) bits;
      case UINT32, UINT32_EQUAL -> bits & 0xffffffffL;
      default -> bits;
    };
  }

  /** Whether {@code value} (as a signed long for signed types) fits the type without loss. */
  public static boolean fits(WireType type, long value) {
    return switch (type.width()) {
      case 1 ->
          type == WireType.BOOL
              ? value == 0 || value == 1
              : type.isSigned()
                  ? value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE
                  : value >= 0 && value <= 0xff;
      case 2 ->
          type.isSigned()
              ? value >= Short.MIN_VALUE && value <= Short.MAX_VALUE
              : value >= 0 && value <= 0xffff;
      case 4 ->
          type.isSigned()
              ? value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE
              : value >= 0 && value <= 0xffffffffL;
      default -> true;
    };
  }

  /** Zero-padded hex of the type's width, e.g. {@code 0x0000002a}. */
  public static String hex(WireType type, long bits) {
    int digits = Math.max(1, type.width()) * 2;
    long masked = digits >= 16 ? bits : bits & ((1L << (digits * 4)) - 1);
    String h = Long.toHexString(masked);
    return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
  }
}
