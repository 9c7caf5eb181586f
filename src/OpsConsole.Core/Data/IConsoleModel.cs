using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Core.Data;

/// <summary>
/// A capability's part of the console's EF model (its tables, keys and indexes). <see cref="ConsoleDbContext"/> finds
/// every implementation in this assembly, so Data depends on no capability; each capability also adds its DbSets to
/// the context as extension properties.
/// </summary>
public interface IConsoleModel
{
    void Configure(ModelBuilder builder);
}

internal static class ConsoleModels
{
    /// <summary>Every <see cref="IConsoleModel"/> of this assembly, in a fixed order (by full name).</summary>
    public static IReadOnlyList<IConsoleModel> All { get; } = typeof(IConsoleModel).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IConsoleModel).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (IConsoleModel)Activator.CreateInstance(t, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, null, null)!)
        .ToList();
}
