//! A 32-bit (i386) process, in every table that differs.

use super::*;

/// A 32-bit (i386, `cc -m32`) program with two threads, until its stdin
/// closes.
const HELPER32_C: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *worker(void *a) { for (;;) pause(); return a; }
int main(void) {
    pthread_t t;
    char c;
    pthread_create(&t, NULL, worker, NULL);
    printf("ready\n");
    fflush(stdout);
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
"#;

#[test]
fn a_32_bit_process_in_every_table_that_differs() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join(format!("ps32-{}.c", std::process::id()));
    let bin = dir.join(format!("ps32-{}", std::process::id()));
    std::fs::write(&src, HELPER32_C).unwrap();
    let st = Command::new("cc").args(["-m32", "-O2", "-Wall", "-pthread", "-o"]).arg(&bin).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling with -m32 failed (it needs gcc-multilib)");
    let mut child = Command::new(&bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready, "ready\n");
    let pid = child.id().to_string();

    // EMUL: FreeBSD's "FreeBSD ELF32" in Linux words; two threads.
    let basic = ok_lines(&procstat(&["-h", &pid]));
    let cols: Vec<&str> = basic[0].split_whitespace().collect();
    assert_eq!((cols[5], cols[8], cols[9]), ("2", "Linux", "ELF32"), "{basic:?}");
    // The auxiliary vector in 32-bit words: i386's AT_SYSINFO, 32-byte
    // program headers.
    let auxv = ok_lines(&procstat(&["-h", "-x", &pid]));
    let val = |k: &str| auxv.iter().find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.get(2) == Some(&k)).then(|| w[3].to_string())
    });
    assert_eq!(val("AT_PHENT").as_deref(), Some("32"), "{auxv:?}");
    assert_eq!(val("AT_PAGESZ").as_deref(), Some("4096"), "{auxv:?}");
    assert!(val("AT_SYSINFO").is_some(), "{auxv:?}");
    // Every mapping below 4 GiB.
    let vm = ok_lines(&procstat(&["-h", "-v", &pid]));
    assert!(vm.len() > 5, "{vm:?}");
    for l in &vm {
        let end = l.split_whitespace().nth(2).unwrap();
        let end = u64::from_str_radix(end.trim_start_matches("0x"), 16).unwrap();
        assert!(end <= 1 << 32, "{l}");
    }
    assert_eq!(ok_lines(&procstat(&["-h", "-t", &pid])).len(), 2);

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_file(&src);
    let _ = std::fs::remove_file(&bin);
}
