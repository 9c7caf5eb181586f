namespace OpsConsole.Benchmarks;

/// <summary>A measured harness: does the work, prints its figures, returns the process exit code.</summary>
public interface IHarness
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args);
}
