import EventContracts

/// Something that belongs to one store and is worked on outside any request or event for it
/// (claimed work: an email to send, a webhook to deliver), so the worker acts within its store.
public protocol StoreOwned {
    var storeId: StoreID { get }
}
