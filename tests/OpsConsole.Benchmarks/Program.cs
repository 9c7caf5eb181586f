using System.Reflection;
using OpsConsole.Benchmarks;

// Each harness prints its own figures; run one by name, or list them.
var harnesses = typeof(IHarness).Assembly.GetTypes()
    .Where(t => typeof(IHarness).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IHarness)Activator.CreateInstance(t)!)
    .OrderBy(h => h.Name, StringComparer.Ordinal)
    .ToList();
var wanted = args.FirstOrDefault();
var harness = harnesses.FirstOrDefault(h => string.Equals(h.Name, wanted, StringComparison.OrdinalIgnoreCase));
if (harness is null)
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/OpsConsole.Benchmarks -- <harness> [options]");
    foreach (var h in harnesses)
    {
        Console.WriteLine($"  {h.Name,-12} {h.Description}");
    }

    return wanted is null ? 0 : 2;
}

Console.WriteLine($"{harness.Name}: {harness.Description} ({Environment.ProcessorCount} cores, {Assembly.GetExecutingAssembly().GetName().Name})");
return await harness.RunAsync(args[1..]);
