package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * QEMU's {@code VMSTATE_VALIDATE}: no bytes on the wire; on load, the test runs at this point of
 * the field table and a false result fails the load ("Input validation failed").
 */
public final class ValidateField<T> extends Field<T> {
  private final Hooks.FieldExists<T> test;

  ValidateField(String name, Hooks.FieldExists<T> test) {
    super(name);
    this.test = checkNotNull(test, "test of %s", name);
  }

  @Override
  public WireType wireType() {
    return WireType.BUFFER;
  }

  @Override
  public int fixedCount() {
    return 0;
  }

  /** The validation test, called with the object and the version being processed. */
  public Hooks.FieldExists<T> test() {
    return test;
  }

  @Override
  public String toString() {
    return "validate " + name();
  }
}
