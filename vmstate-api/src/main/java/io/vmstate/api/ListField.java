package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A QTAILQ or QLIST: for each element in list order, the byte 0x01 and the element's description
 * (fields and subsections), then the byte 0x00. Elements are saved at the element description's
 * version and loaded at this field's {@link #versionId()}, as QEMU does (keep the two equal).
 * Loading appends to the list.
 */
public final class ListField<T, E> extends Field<T> {
  private final WireType kind;
  private final Function<T, List<E>> list;
  private final Supplier<E> newElement;
  private final VmStateDescription<E> element;

  ListField(
      String name,
      WireType kind,
      Function<T, List<E>> list,
      Supplier<E> newElement,
      VmStateDescription<E> element) {
    super(name);
    checkArgument(kind == WireType.QTAILQ || kind == WireType.QLIST, "not a list kind: %s", kind);
    this.kind = kind;
    this.list = checkNotNull(list, "list accessor of %s", name);
    this.newElement = checkNotNull(newElement, "element factory of %s", name);
    this.element = checkNotNull(element, "element description of %s", name);
  }

  @Override
  public WireType wireType() {
    return kind;
  }

  @Override
  public int fixedCount() {
    return -1;
  }

  /** The accessor of the list (a load clears it and appends the elements read). */
  public Function<T, List<E>> list() {
    return list;
  }

  /** Makes an empty element for each one read on load. */
  public Supplier<E> newElement() {
    return newElement;
  }

  /** The element description. */
  public VmStateDescription<E> element() {
    return element;
  }
}
