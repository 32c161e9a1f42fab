package io.vmstate.gic;

import io.vmstate.api.VmStateException;

/**
 * What a state object's description runs against a hypervisor: {@link #preSave} fills the object
 * from the hypervisor before it is written (QEMU's {@code pre_save}); {@link #postLoad} pushes the
 * loaded object into the hypervisor (QEMU's {@code post_load}). The post_load runs on the staging
 * copy of an atomic load, so when it fails the object is not committed either.
 */
public interface BackendHook<T> {
  /** Fills {@code state} from the hypervisor before it is written; throwing refuses the save. */
  void preSave(T state) throws VmStateException;

  /** Pushes the loaded {@code state} into the hypervisor; throwing refuses the load. */
  void postLoad(T state) throws VmStateException;
}
