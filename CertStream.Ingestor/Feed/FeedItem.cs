namespace CertStream.Ingestor.Feed;

/// <summary>
/// One entry waiting for the feed: its full certstream JSON, or none for entries that cannot be
/// decoded (they only move the cursor). <see cref="NextCursor"/> is the feed cursor once this
/// item and everything queued before it for the log are confirmed.
/// </summary>
public readonly record struct FeedItem(FeedLog Log, long Index, long NextCursor, byte[]? Json);
