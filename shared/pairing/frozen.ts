import { conflict } from '../errors.ts';

/**
 * The freeze and the lock as a write meets them on a pairing. Apart from the pairing module so that the
 * household module, which the pairing module reads, can refuse an edit of a held household-year too.
 */

/** The round number in a verification id (`verify-<year>-<community>-<round>`), for messages. */
function roundOf(verificationId: string): string {
  return /-(\d+)$/.exec(verificationId)?.[1] ?? '?';
}

/**
 * Refuses a write that would change a frozen or confirmed household-year's figures. The pairing is read anyway
 * to check the caller's scope, so the freeze costs the write no extra read.
 */
export function refuseFrozen(
  pairing: Pick<{ lockedBy?: string; frozenBy?: string; year: number }, 'lockedBy' | 'frozenBy' | 'year'>,
): void {
  if (pairing.lockedBy) {
    throw conflict('ledger.locked', '该社区本年度帮扶数据已确认公示并锁定，如需更正请联系管理员重新开启核查');
  }
  if (pairing.frozenBy) {
    throw conflict(
      'ledger.under_verification',
      `该家庭 ${pairing.year} 年的帮扶数据正在第 ${roundOf(pairing.frozenBy)} 轮核查中（${pairing.frozenBy}），` +
        '核查期间不能登记、更正或签收。请等待社区干部确认；如需更正，请社区干部退回该户。',
    );
  }
}
