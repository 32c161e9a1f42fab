package io.vmstate.gic.its;

import io.vmstate.api.Nullable;

/** GITS_BASERn.Type (bits 58:56): what a table holds. */
public enum ItsTableType {
  UNIMPLEMENTED(0),
  DEVICE(1),
  VPE(2),
  COLLECTION(4);

  private final int code;

  ItsTableType(int code) {
    this.code = code;
  }

  /** The Type field value. */
  public int code() {
    return code;
  }

  /** The type with this field value, or null for a reserved value (3, 5, 6, 7). */
  public static @Nullable ItsTableType of(int code) {
    for (ItsTableType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
