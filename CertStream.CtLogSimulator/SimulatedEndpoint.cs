namespace CertStream.CtLogSimulator;

/// <summary>The endpoints of a simulated log, for request counters and fault targeting.</summary>
public enum SimulatedEndpoint
{
    /// <summary><c>ct/v1/get-sth</c></summary>
    GetSth = 0,

    /// <summary><c>ct/v1/get-entries</c></summary>
    GetEntries = 1,

    /// <summary><c>ct/v1/get-roots</c></summary>
    GetRoots = 2,

    /// <summary><c>checkpoint</c></summary>
    Checkpoint = 3,

    /// <summary><c>tile/data/&lt;N&gt;</c> (full tile)</summary>
    DataTile = 4,

    /// <summary><c>tile/data/&lt;N&gt;.p/&lt;W&gt;</c></summary>
    PartialDataTile = 5,

    /// <summary><c>issuer/&lt;hex&gt;</c></summary>
    Issuer = 6,

    /// <summary>Anything else under the log's URL (answered 404).</summary>
    Other = 7,

    /// <summary><c>ct/v1/get-sth-consistency</c> (logs with a real Merkle tree)</summary>
    GetSthConsistency = 8,

    /// <summary><c>ct/v1/get-proof-by-hash</c> (logs with a real Merkle tree)</summary>
    GetProofByHash = 9,

    /// <summary><c>tile/&lt;L&gt;/&lt;N&gt;</c> (full hash tile)</summary>
    LevelTile = 10,

    /// <summary><c>tile/&lt;L&gt;/&lt;N&gt;.p/&lt;W&gt;</c></summary>
    PartialLevelTile = 11,
}

/// <summary>One request a simulated log answered (kept in a bounded journal).</summary>
public readonly record struct SimulatedRequest(SimulatedEndpoint Endpoint, string PathAndQuery, int StatusCode, DateTimeOffset Time);
