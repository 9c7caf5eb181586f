using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Operations;

/// <summary><c>Operations</c>: how long approvals wait, how often the runner looks for orphans, how often logs are flushed.</summary>
public sealed class OperationOptions
{
    public const string Section = "Operations";

    /// <summary>An operation awaiting approval fails as expired after this long (a stale request must be asked again).</summary>
    public TimeSpan ApprovalExpiry { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How often every instance looks for running operations whose runner died, and for expired requests.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running operation's new log lines and progress are written and announced (viewers see them this late at most).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Operations one instance runs at once (on different targets; a target never has two).</summary>
    public int MaxConcurrent { get; set; } = 2;
}

internal sealed class OperationOptionsValidator : IValidateOptions<OperationOptions>
{
    public ValidateOptionsResult Validate(string? name, OperationOptions options)
    {
        var errors = new List<string>();
        if (options.ApprovalExpiry < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{OperationOptions.Section}:ApprovalExpiry must be at least one minute (is {options.ApprovalExpiry}).");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{OperationOptions.Section}:SweepInterval must be at least one second (is {options.SweepInterval}).");
        }

        if (options.FlushInterval < TimeSpan.FromMilliseconds(50) || options.FlushInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add($"{OperationOptions.Section}:FlushInterval must be between 50 ms and 10 s (is {options.FlushInterval}).");
        }

        if (options.MaxConcurrent is < 1 or > 32)
        {
            errors.Add($"{OperationOptions.Section}:MaxConcurrent must be between 1 and 32 (is {options.MaxConcurrent}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
