package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.Function;

/**
 * QEMU's {@code VMSTATE_WITH_TMP}: a scratch object made from the parent runs a child description
 * inline. The child's pre_save typically derives values from the parent and its post_load writes
 * them back. As in QEMU, the child is saved at its own version but loaded at this field's {@link
 * #versionId()} (0 unless set), so child fields gated above that version are not loaded.
 */
public final class TmpField<T, S> extends Field<T> {
  private final Function<T, S> scratch;
  private final VmStateDescription<S> child;

  TmpField(String name, Function<T, S> scratch, VmStateDescription<S> child) {
    super(name);
    this.scratch = checkNotNull(scratch, "scratch factory of %s", name);
    this.child = checkNotNull(child, "child description of %s", name);
  }

  @Override
  public WireType wireType() {
    return WireType.TMP;
  }

  @Override
  public int fixedCount() {
    return 1;
  }

  /** Makes the scratch object, holding a reference to the parent. */
  public Function<T, S> scratch() {
    return scratch;
  }

  /** The description run on the scratch object. */
  public VmStateDescription<S> child() {
    return child;
  }
}
