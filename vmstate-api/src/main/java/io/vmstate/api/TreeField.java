package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.NavigableMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A GTree: {@code be32 nnodes}, then per entry in key order the byte 0x01, the key, the value, and
 * finally the byte 0x00. A direct key ({@link #isDirectKey()}) is a {@code be64} integer and the
 * map is keyed by {@code Long}; otherwise the key is encoded by {@link #keyDescription()}. Entries
 * are saved at their descriptions' versions and loaded at this field's {@link #versionId()}.
 */
public final class TreeField<T, K, V> extends Field<T> {
  private final Function<T, NavigableMap<K, V>> map;
  private final VmStateDescription<K> key;
  private final Supplier<K> newKey;
  private final VmStateDescription<V> value;
  private final Supplier<V> newValue;

  TreeField(
      String name,
      Function<T, NavigableMap<K, V>> map,
      VmStateDescription<K> key,
      Supplier<K> newKey,
      VmStateDescription<V> value,
      Supplier<V> newValue) {
    super(name);
    this.map = checkNotNull(map, "map accessor of %s", name);
    this.key = key;
    this.newKey = key == null ? null : checkNotNull(newKey, "key factory of %s", name);
    this.value = checkNotNull(value, "value description of %s", name);
    this.newValue = checkNotNull(newValue, "value factory of %s", name);
  }

  @Override
  public WireType wireType() {
    return WireType.GTREE;
  }

  @Override
  public int fixedCount() {
    return -1;
  }

  /** The accessor of the map (a load fills it in key order). */
  public Function<T, NavigableMap<K, V>> map() {
    return map;
  }

  /** Whether keys are direct 64-bit integers (QEMU's {@code VMSTATE_GTREE_DIRECT_KEY_V}). */
  public boolean isDirectKey() {
    return key == null;
  }

  /** The key description, or null for direct (be64) keys. */
  public @Nullable VmStateDescription<K> keyDescription() {
    return key;
  }

  /** Makes an empty key for each node read, or null for direct keys. */
  public @Nullable Supplier<K> newKey() {
    return newKey;
  }

  /** The value description. */
  public VmStateDescription<V> valueDescription() {
    return value;
  }

  /** Makes an empty value for each node read. */
  public Supplier<V> newValue() {
    return newValue;
  }
}
