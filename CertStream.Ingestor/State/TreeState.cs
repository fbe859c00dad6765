namespace CertStream.Ingestor.State;

/// <summary>A log's cursor: the next index to fetch and the largest tree size seen.</summary>
public readonly record struct TreeState(long NextIndex, long TreeSize);
