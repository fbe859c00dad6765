namespace CertStream.Tests.Infrastructure;

/// <summary>The clone's root (the folder with CertStream.sln), for tests that run the real build outputs.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

#if DEBUG
    public const string BuildConfiguration = "Debug";
#else
    public const string BuildConfiguration = "Release";
#endif

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CertStream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CertStream.sln not found above " + AppContext.BaseDirectory);
    }
}
