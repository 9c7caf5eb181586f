using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Data;

/// <summary>
/// snake_case column names for the tables whose hot paths are raw SQL (audit, alerts, operations): statements read as
/// PostgreSQL does, without quoting every identifier.
/// </summary>
public static class SnakeCaseColumns
{
    public static void Apply<T>(EntityTypeBuilder<T> entity) where T : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        foreach (var property in entity.Metadata.GetProperties())
        {
            property.SetColumnName(Of(property.Name));
        }
    }

    public static string Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
