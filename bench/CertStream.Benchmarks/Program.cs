using BenchmarkDotNet.Running;

namespace CertStream.Benchmarks;

public static class BenchmarkProgram
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args, new BenchmarkConfig());
}
