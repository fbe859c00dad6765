using CertStream.CtLogSimulator.Entries;

namespace CertStream.Tests.Ingestor.Ct.StaticCt;

/// <summary>
/// The navigli2025h2 tiles: full data tiles and issuers from the simulator's embedded copy, the rest
/// from TestData/StaticCt (PROVENANCE.md there).
/// </summary>
internal static class StaticCtTestData
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", "StaticCt", .. parts]);

    public static byte[] DataTile(int n) => RecordedData.Shared.NavigliTile(n).ToArray();

    public static byte[] PartialDataTile003Width10() => File.ReadAllBytes(Path("navigli2025h2", "tile", "data", "003.p", "10"));

    public static byte[] LevelZeroTile(int n) => File.ReadAllBytes(Path("navigli2025h2", "tile", "0", n.ToString("000", System.Globalization.CultureInfo.InvariantCulture)));

    public static string[] NamesTile(int n) =>
        File.ReadAllLines(Path("navigli2025h2", "tile", "names", n.ToString("000", System.Globalization.CultureInfo.InvariantCulture)));

    public static IReadOnlyDictionary<string, byte[]> Issuers => RecordedData.Shared.Issuers;

    public static byte[] Checkpoint(string name) => File.ReadAllBytes(Path("checkpoints", name + ".checkpoint"));
}
