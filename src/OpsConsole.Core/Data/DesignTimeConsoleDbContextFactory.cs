using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpsConsole.Core.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without a running host; it never connects.</summary>
public sealed class DesignTimeConsoleDbContextFactory : IDesignTimeDbContextFactory<ConsoleDbContext>
{
    public ConsoleDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ConsoleDbContext>();
        ConsoleDatabase.Configure(options, "Host=127.0.0.1;Database=opsconsole_design");
        return new ConsoleDbContext(options.Options);
    }
}
