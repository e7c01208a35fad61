// `wessex audit export` (FHIR Bundle or CSV, for an information governance lead) and `wessex audit verify`
// (walks the hash chain; exits non-zero naming the first broken event).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createKeytarSecretStore } from '../../services/keystore/secret-store';
import { createSecretStoreKeyVault } from '../../services/cache/key-vault';
import { auditDatabasePath, resolveDataDir } from '../../services/paths';
import { AuditLog, auditBundle, auditCsv, openAuditDatabaseForInspection } from '../../services/audit';

interface DbOptions {
  dataDir?: string;
  db?: string;
}

async function withAuditLog<T>(options: DbOptions, use: (log: AuditLog) => T): Promise<T> {
  const path = options.db ?? auditDatabasePath(resolveDataDir(options.dataDir));
  const keyVault = createSecretStoreKeyVault(createKeytarSecretStore());
  const db = await openAuditDatabaseForInspection(path, keyVault);
  try {
    return use(new AuditLog(db));
  } finally {
    db.close();
  }
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('The local audit log (export, verify)');
  const dbOptions = (c: Command): Command =>
    c
      .option('--data-dir <dir>', 'the viewer data directory (default: this user’s)')
      .option('--db <file>', 'an audit.db file (default: <data-dir>/audit.db)');

  dbOptions(audit.command('export'))
    .description('Export every audit event as a FHIR Bundle (JSON) or CSV')
    .option('--format <format>', 'bundle or csv', 'bundle')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: DbOptions & { format: string; out?: string }) => {
      if (options.format !== 'bundle' && options.format !== 'csv') {
        throw new Error(`Unknown format "${options.format}": use bundle or csv.`);
      }
      const text = await withAuditLog(options, (log) =>
        options.format === 'csv'
          ? auditCsv(log.all())
          : JSON.stringify(auditBundle(log.all()), null, 2) + '\n',
      );
      if (options.out) {
        writeFileSync(options.out, text, { mode: 0o600 });
        console.error(`Audit log exported to ${options.out}.`);
      } else {
        process.stdout.write(text);
      }
    });

  dbOptions(audit.command('verify'))
    .description('Check the hash chain: detects deleted, edited and reordered events')
    .action(async (options: DbOptions) => {
      const result = await withAuditLog(options, (log) => log.verify());
      if (result.ok) {
        console.log(`Audit chain intact: ${result.count} events, head ${result.head.slice(0, 16)}…`);
        return;
      }
      console.error(`Audit chain BROKEN at event ${result.firstBadSeq}: ${result.problem}.`);
      process.exitCode = 3;
    });
}
