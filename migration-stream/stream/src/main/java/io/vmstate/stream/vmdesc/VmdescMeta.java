package io.vmstate.stream.vmdesc;

import io.vmstate.api.Field;
import io.vmstate.api.Nullable;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * How one field of a description built from a vmdesc was described there: its vmdesc name, its type
 * string (which may be an info of QEMU's we read as raw bytes, such as {@code pci config}) and its
 * array form. The vmdesc writer uses it to describe the field again exactly as QEMU did.
 *
 * @param form {@link #SINGLE}, {@link #ARRAY_LEN}, {@link #LAST_WITHOUT_INDEX}, or the element
 *     index of a per-element entry
 */
public record VmdescMeta(String name, String type, int form) {
  /** A single value: no {@code array_len}, no {@code index}. */
  public static final int SINGLE = -1;

  /** A compressed array: one entry with {@code array_len}. */
  public static final int ARRAY_LEN = -2;

  /**
   * The last element of a per-element array as releases after 7.2 write it: no {@code index}
   * ({@link Vmdesc#elementRun}).
   */
  public static final int LAST_WITHOUT_INDEX = -3;

  private static final Map<Field<?>, VmdescMeta> TAGS =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** Tags {@code f} (fields compare by identity, so each field has its own tag). */
  static void tag(Field<?> f, VmdescMeta meta) {
    TAGS.put(f, meta);
  }

  /** The tag of {@code f}, or null for fields of hand-written descriptions. */
  public static @Nullable VmdescMeta of(Field<?> f) {
    return TAGS.get(f);
  }
}
