package io.vmstate.codec;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.WireType;

/**
 * The Java array kind that holds elements of a wire type, and bulk moves of a range of such an
 * array to and from the wire.
 */
public enum Elements {
  BOOL(boolean[].class),
  BYTE(byte[].class),
  SHORT(short[].class),
  INT(int[].class),
  LONG(long[].class),
  DOUBLE(double[].class),
  STRING(String[].class);

  private final Class<?> arrayClass;

  Elements(Class<?> arrayClass) {
    this.arrayClass = arrayClass;
  }

  /** The array class that binds this kind, e.g. {@code int[].class}. */
  public Class<?> arrayClass() {
    return arrayClass;
  }

  /** The kind of array that binds elements of {@code type}. */
  public static Elements of(WireType type) {
    if (type == WireType.BOOL) {
      return BOOL;
    }
    if (type == WireType.CAPABILITY) {
      return STRING;
    }
    if (type == WireType.FLOAT64 || type == WireType.CPU_DOUBLE) {
      return DOUBLE;
    }
    return switch (type.width()) {
      case 1 -> BYTE;
      case 2 -> SHORT;
      case 4 -> INT;
      case 8 -> LONG;
      default -> throw new IllegalArgumentException(type + " has no array binding");
    };
  }

  /** A new array of this kind. */
  public Object newArray(int n) {
    return switch (this) {
      case BOOL -> new boolean[n];
      case BYTE -> new byte[n];
      case SHORT -> new short[n];
      case INT -> new int[n];
      case LONG -> new long[n];
      case DOUBLE -> new double[n];
      case STRING -> new String[n];
    };
  }

  /** The length of an array of this kind, or -1 when {@code arr} is null or of another kind. */
  public int length(Object arr) {
    if (arr == null || arr.getClass() != arrayClass) {
      return -1;
    }
    return switch (this) {
      case BOOL -> ((boolean[]) arr).length;
      case BYTE -> ((byte[]) arr).length;
      case SHORT -> ((short[]) arr).length;
      case INT -> ((int[]) arr).length;
      case LONG -> ((long[]) arr).length;
      case DOUBLE -> ((double[]) arr).length;
      case STRING -> ((String[]) arr).length;
    };
  }

  /** Raw bits of element {@code i} (doubles as IEEE bits, bools as 0/1). */
  public long bits(Object arr, int i) {
    return switch (this) {
      case BOOL -> ((boolean[]) arr)[i] ? 1 : 0;
      case BYTE -> ((byte[]) arr)[i];
      case SHORT -> ((short[]) arr)[i];
      case INT -> ((int[]) arr)[i];
      case LONG -> ((long[]) arr)[i];
      case DOUBLE -> Double.doubleToRawLongBits(((double[]) arr)[i]);
      case STRING -> throw new IllegalStateException("capabilities have no bits");
    };
  }

  /** Stores raw bits into element {@code i}. */
  public void setBits(Object arr, int i, long bits) {
    switch (this) {
      case BOOL -> ((boolean[]) arr)[i] = bits != 0;
      case BYTE -> ((byte[]) arr)[i] = (byte) bits;
      case SHORT -> ((short[]) arr)[i] = (short) bits;
      case INT -> ((int[]) arr)[i] = (int) bits;
      case LONG -> ((long[]) arr)[i] = bits;
      case DOUBLE -> ((double[]) arr)[i] = Double.longBitsToDouble(bits);
      case STRING -> throw new IllegalStateException("capabilities have no bits");
    }
  }

  /** Writes elements {@code off .. off+n-1}. */
  public void write(Object arr, int off, int n, WireOutput out) throws VmStateEncodeException {
    switch (this) {
      case BOOL -> {
        boolean[] a = (boolean[]) arr;
        for (int i = 0; i < n; i++) {
          out.writeU8(a[off + i] ? 1 : 0);
        }
      }
      case BYTE -> out.writeBytes((byte[]) arr, off, n);
      case SHORT -> out.writeShorts((short[]) arr, off, n);
      case INT -> out.writeInts((int[]) arr, off, n);
      case LONG -> out.writeLongs((long[]) arr, off, n);
      case DOUBLE -> {
        double[] a = (double[]) arr;
        for (int i = 0; i < n; i++) {
          out.writeBe64(Double.doubleToRawLongBits(a[off + i]));
        }
      }
      case STRING -> {
        String[] a = (String[]) arr;
        for (int i = 0; i < n; i++) {
          if (a[off + i] == null) {
            throw VmStateEncodeException.shapeMismatch("capability " + (off + i) + " is null");
          }
          out.writeStr8(a[off + i]);
        }
      }
    }
  }

  /** Reads elements {@code off .. off+n-1}; truncation carries the failing element's offset. */
  public void read(Object arr, int off, int n, WireInput in) throws VmStateDecodeException {
    switch (this) {
      case BOOL -> {
        boolean[] a = (boolean[]) arr;
        for (int i = 0; i < n; i++) {
          a[off + i] = in.readU8() != 0;
        }
      }
      case BYTE -> in.readBytes((byte[]) arr, off, n);
      case SHORT -> in.readShorts((short[]) arr, off, n);
      case INT -> in.readInts((int[]) arr, off, n);
      case LONG -> in.readLongs((long[]) arr, off, n);
      case DOUBLE -> {
        double[] a = (double[]) arr;
        for (int i = 0; i < n; i++) {
          a[off + i] = Double.longBitsToDouble(in.readBe64());
        }
      }
      case STRING -> {
        String[] a = (String[]) arr;
        for (int i = 0; i < n; i++) {
          a[off + i] = in.readStr8();
        }
      }
    }
  }
}
