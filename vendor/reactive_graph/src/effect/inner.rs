use crate::{
    channel::Sender,
    graph::{
        AnySource, AnySubscriber, ReactiveNode, SourceSet, Subscriber,
        ToAnySubscriber,
    },
};
use or_poisoned::OrPoisoned;
use std::sync::{Arc, RwLock, Weak};

/// Handles internal subscription logic for effects.
#[derive(Debug)]
pub struct EffectInner {
    /// The id its `AnySubscriber` carries (the address of its `Arc`), kept so
    /// that dropping it can leave its sources' subscriber sets (zhijian patch).
    pub(crate) id: usize,
    pub(crate) dirty: bool,
    pub(crate) observer: Sender,
    pub(crate) sources: SourceSet,
}

impl EffectInner {
    /// A new effect's state, knowing its own subscriber id (zhijian patch).
    pub(crate) fn new_arc(dirty: bool, observer: Sender) -> Arc<RwLock<Self>> {
        Arc::new_cyclic(|this: &Weak<RwLock<Self>>| {
            RwLock::new(EffectInner {
                id: this.as_ptr() as usize,
                dirty,
                observer,
                sources: SourceSet::new(),
            })
        })
    }
}

// zhijian patch: without this, a dropped effect stays in the subscriber set of
// every source it read until that source next changes; a source that never
// changes (the locale, say) keeps one entry, and the effect's allocation, for
// every effect that ever read it.
impl Drop for EffectInner {
    fn drop(&mut self) {
        let gone = AnySubscriber(self.id, Weak::<RwLock<EffectInner>>::new());
        self.sources.clear_sources(&gone);
    }
}

impl ToAnySubscriber for Arc<RwLock<EffectInner>> {
    fn to_any_subscriber(&self) -> AnySubscriber {
        AnySubscriber(
            Arc::as_ptr(self) as usize,
            Arc::downgrade(self) as Weak<dyn Subscriber + Send + Sync>,
        )
    }
}

impl ReactiveNode for RwLock<EffectInner> {
    fn mark_subscribers_check(&self) {}

    fn update_if_necessary(&self) -> bool {
        let mut guard = self.write().or_poisoned();

        if guard.dirty {
            guard.dirty = false;
            return true;
        }

        let sources = guard.sources.clone();

        drop(guard);

        sources
            .into_iter()
            .any(|source| source.update_if_necessary())
    }

    fn mark_check(&self) {
        self.write().or_poisoned().observer.notify()
    }

    fn mark_dirty(&self) {
        let mut lock = self.write().or_poisoned();
        lock.dirty = true;
        lock.observer.notify()
    }
}

impl Subscriber for RwLock<EffectInner> {
    fn add_source(&self, source: AnySource) {
        self.write().or_poisoned().sources.insert(source);
    }

    fn clear_sources(&self, subscriber: &AnySubscriber) {
        self.write().or_poisoned().sources.clear_sources(subscriber);
    }
}
