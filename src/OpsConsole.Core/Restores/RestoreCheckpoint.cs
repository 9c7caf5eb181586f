using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Restores;

/// <summary>
/// A step that runs between "restored and checked" and "swapped", on the restored database before anyone uses it: the
/// place later capabilities hook in (the GDPR erasure log re-applies recorded erasures here). Throwing fails the
/// restore with the original untouched.
/// </summary>
public interface IRestoreCheckpoint
{
    /// <summary>Words for the log ("re-applying 3 recorded erasures").</summary>
    string Name { get; }

    /// <param name="database">The managed database's name in the console.</param>
    /// <param name="restoredConnectionString">A connection string to the restored database (not yet live).</param>
    Task RunAsync(string database, string restoredConnectionString, IOperationContext context);
}
