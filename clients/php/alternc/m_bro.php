<?php
// AlternC 1.0's m_bro (the file manager) on panel-api's /accounts/{login}/files routes. Same
// public methods, arguments and return values as 1.0 for what is covered; differences in
// docs/php-panel.md. The account worked on is 1.0's $cuid: the m_mem user (see
// panel_current_login()). Paths are relative to the account's web space; panel-api does the
// file work itself (it walks the space safely: no link followed out of it), so the PHP process
// needs no access to the files.
require_once __DIR__ . '/panel_api.php';

class m_bro
{
    /** Mode d'affichage des fichiers en colonne */
    var $l_mode = [0 => '1 column, detailed', 1 => '2 columns, short', 2 => '3 columns, short'];
    /** Mode de téléchargement d'un dossier compressé (zip,bz,tar,..) */
    var $l_tgz = [0 => 'tgz (Linux)', 1 => 'tar.bz2 (Linux)', 2 => 'zip (Windows/Dos)', 3 => 'tar.Z (Unix)'];
    /** Faut-il afficher ou non les icones ? */
    var $l_icons = [0 => 'No', 1 => 'Yes'];
    /** Que fait-on après la création d'un fichier ? */
    var $l_createfile = [0 => 'Go back to the file manager', 1 => 'Edit the newly created file'];
    var $mime_desc = [];
    var $mime_icon = [];
    var $mime_type = [];
    /** Choix des polices d'édition de fichiers */
    var $l_editor_font = ['Arial, Helvetica, Sans-serif', 'Times, Bookman, Serif', 'Courier New, Courier, Fixed'];
    /** Choix des tailles de police d'édition de fichiers */
    var $l_editor_size = ['18px', '14px', '12px', '10px', '8px', '0.8em', '0.9em', '1em', '1.1em', '1.2em'];

    private static function login(): string
    {
        return (string) panel_current_login();
    }

    /**
     * The path of $dir (relative to the web space, '/' or '' the space itself) with '.' and '..'
     * resolved without the files: '/a/b' ('' for the space itself), or null when it leaves the
     * space. 1.0 used realpath() (which followed the member's links out of the space).
     */
    private static function clean($dir): ?string
    {
        $out = [];
        foreach (explode('/', (string) $dir) as $part) {
            if ($part === '' || $part === '.') {
                continue;
            }
            if ($part === '..') {
                if (!$out) {
                    return null;
                }
                array_pop($out);
                continue;
            }
            $out[] = $part;
        }
        return $out ? '/' . implode('/', $out) : '';
    }

    /** The API path of the folder $R (1.0's relative folder): '/' for the space itself. */
    private static function apiPath(string $clean): string
    {
        return $clean === '' ? '/' : $clean;
    }

    /** A name of a folder, as 1.0 took it: no '/' (1.0 let a leading one pass: not here). */
    private static function name($file): ?string
    {
        $file = (string) $file;
        return $file === '' || $file === '.' || $file === '..' || strpos($file, '/') !== false ? null : $file;
    }

    /**
     * 1.0's check of a folder relative to the current user's space: the folder, relative
     * ($strip, '/a/b', '' for the space) or absolute (under get_user_root()), without a trailing
     * '/'; false when it leaves the space. Computed on the path (1.0 resolved links with
     * realpath(); the API refuses links that lead out of the space itself).
     */
    function convertabsolute($dir, $strip = 1)
    {
        $clean = self::clean($dir);
        if ($clean === null) {
            return false;
        }
        return $strip ? $clean : $this->get_user_root(self::login()) . $clean;
    }

    /**
     * The web space of $login: <L_ALTERNC_LOC>/html/<first letter>/<login>, as 1.0 (which fixed
     * /var/alternc). Set $GLOBALS['L_ALTERNC_LOC'] (1.0's config does) to panel-api's
     * `[hosting] root` when it is not /var/alternc.
     */
    function get_user_root($login)
    {
        $root = rtrim((string) ($GLOBALS['L_ALTERNC_LOC'] ?? '/var/alternc'), '/');
        return $root . '/html/' . substr((string) $login, 0, 1) . '/' . $login;
    }

    /** get_user_root() of the account $uid (one the caller sees; false with `admin 2` otherwise). */
    function get_userid_root($uid)
    {
        global $err;
        $login = panel_login_of($uid);
        if ($login === null) {
            $err->raise('admin', 2);
            return false;
        }
        return $this->get_user_root($login);
    }

    /** Raises an API error the bro way: $map as panel_raise, the API's message otherwise. */
    private function raise(PanelApiException $e, array $map = [])
    {
        return panel_raise('bro', $e, $map + ['invalid:path' => 1, 'invalid:from' => 1, 'invalid:to' => 1]);
    }

    /** The entries of a folder (API objects), [] when it does not exist; throws on other errors. */
    private function entries(string $clean): array
    {
        try {
            return panel_api()->listFiles(self::login(), self::apiPath($clean))['items'];
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'not_found' && $e->getField() !== 'login') {
                return [];
            }
            throw $e;
        }
    }

    /** The entry $name of the folder $clean, or null. */
    private function entry(string $clean, string $name): ?array
    {
        foreach ($this->entries($clean) as $e) {
            if ($e['name'] === $name) {
                return $e;
            }
        }
        return null;
    }

    /** The total size of the files under a folder (links not followed), as 1.0's dirsize(). */
    private function treesize(string $clean, int $depth = 0): int
    {
        $total = 0;
        foreach ($this->entries($clean) as $e) {
            if ($e['type'] === 'folder' && $depth < 64) {
                $total += $this->treesize("$clean/{$e['name']}", $depth + 1);
            } elseif ($e['type'] === 'file') {
                $total += (int) $e['size'];
            }
        }
        return $total;
    }

    /**
     * The entries of $dir (GET .../files?path=): 1.0's rows `name`, `size` (bytes; '-' for a
     * folder, or its files' total with $showdirsize), `date` (Unix time), `type` (true for a
     * file, false for a folder), folders first then by name, as 1.0; added `mode` ('0660') and
     * `link` (a link's target, else null). [] for a folder that does not exist or leaves the
     * space, as 1.0. Remembers the folder as `lastdir` ('/a/b', '' the space; PUT
     * .../file-preferences) when `golastdir` is on and it changed (1.0 wrote it on every
     * listing; each write is a line of the API's audit trail).
     */
    function filelist($dir = '', $showdirsize = false)
    {
        $clean = self::clean($dir);
        if ($clean === null) {
            return [];
        }
        try {
            try {
                $items = panel_api()->listFiles(self::login(), self::apiPath($clean))['items'];
            } catch (PanelApiException $e) {
                if ($e->getErrorCode() === 'not_found' && $e->getField() !== 'login') {
                    return [];
                }
                throw $e;
            }
            $c = [];
            foreach ($items as $e) {
                $folder = $e['type'] === 'folder';
                $c[] = ['name' => $e['name'],
                    'size' => $folder ? ($showdirsize ? $this->treesize("$clean/{$e['name']}") : '-') : (int) $e['size'],
                    'date' => (int) strtotime((string) $e['mtime']), 'type' => !$folder,
                    'mode' => $e['mode'], 'link' => $e['target']];
            }
            try {
                $prefs = panel_api()->getFilePreferences(self::login());
                if (!empty($prefs['golastdir']) && $prefs['lastdir'] !== $clean) {
                    panel_api()->setFilePreferences(self::login(), ['lastdir' => $clean]);
                }
            } catch (PanelApiException $e) {
                // 1.0's UPDATE of lastdir: best effort (a name the API does not keep there)
            }
        } catch (PanelApiException $e) {
            $this->raise($e);
            return [];
        }
        usort($c, [$this, '_sort_filelist_name']);
        return $c;
    }

    /** 1.0's order of filelist(): folders first, then by name. */
    function _sort_filelist_name($a, $b)
    {
        if ($a['type'] && !$b['type']) {
            return 1;
        }
        if ($b['type'] && !$a['type']) {
            return -1;
        }
        return strcmp($a['name'], $b['name']);
    }

    /**
     * The current user's preferences (GET .../file-preferences), 1.0's `browser` row: the
     * columns as strings (booleans '0' / '1'), `uid` and 1.0's `crff` ('0': not kept by the API);
     * 1.0's defaults when none were set (the API does not insert the row on a read, 1.0 did).
     */
    function GetPrefs()
    {
        global $cuid;
        try {
            $p = panel_api()->getFilePreferences(self::login());
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $row = ['uid' => (string) $cuid];
        foreach (['editsizex', 'editsizey', 'listmode', 'showicons', 'downfmt', 'createfile', 'showtype',
                  'editor_font', 'editor_size', 'golastdir', 'lastdir'] as $k) {
            $v = $p[$k] ?? '';
            $row[$k] = is_bool($v) ? panel_bool($v) : (string) $v;
        }
        $row['crff'] = '0';
        return $row;
    }

    /**
     * Sets the current user's preferences (PUT .../file-preferences), 1.0's arguments (integers
     * as 1.0's intval; the four yes/no ones as booleans). Values the API refuses (sizes 1 to
     * 1000, listmode 0-2, downfmt 0-3) are its message and change nothing (1.0 stored anything).
     */
    function SetPrefs($editsizex, $editsizey, $listmode, $showicons, $downfmt, $createfile, $showtype,
        $editor_font, $editor_size, $golastdir)
    {
        try {
            panel_api()->setFilePreferences(self::login(), ['editsizex' => intval($editsizex),
                'editsizey' => intval($editsizey), 'listmode' => intval($listmode),
                'showicons' => (bool) intval($showicons), 'downfmt' => intval($downfmt),
                'createfile' => (bool) intval($createfile), 'showtype' => (bool) intval($showtype),
                'editor_font' => (string) $editor_font, 'editor_size' => (string) $editor_size,
                'golastdir' => (bool) intval($golastdir)]);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** 1.0's icon of a file name, from the global $bro_icon (extension => icon). */
    function icon($file)
    {
        global $bro_icon;
        if (!strpos($file, '.') && substr($file, 0, 1) != '.') {
            return 'file.png';
        }
        $t = explode('.', $file);
        $ext = $t[count($t) - 1];
        return empty($bro_icon[$ext]) ? 'file.png' : $bro_icon[$ext] . '.png';
    }

    /** 1.0's mime type of a file name, from the global $bro_type (extension => type). */
    function mime($file)
    {
        global $bro_type;
        if (!strpos($file, '.') && substr($file, 0, 1) != '.') {
            return 'File';
        }
        $t = explode('.', $file);
        $ext = $t[count($t) - 1];
        return empty($bro_type[$ext]) ? 'File' : $bro_type[$ext];
    }

    /**
     * Makes the folder $file in $dir (POST .../files/mkdir). `bro 1` outside the space or taken,
     * as 1.0; `bro 4` when it cannot be made (no such parent...).
     */
    function CreateDir($dir, $file)
    {
        global $err;
        $clean = self::clean($dir . '/' . $file);
        if ($clean === null || $clean === '') {
            $err->raise('bro', 1);
            return false;
        }
        try {
            panel_api()->makeFolder(self::login(), $clean);
        } catch (PanelApiException $e) {
            // Made by the first attempt, its answer lost, when a folder of that name is there
            // now (or was before a 503 that ran nothing: the folder asked for is there either
            // way, as m_mysql::add_db takes the account's database); a file of that name is
            // bro 1, as 1.0.
            $slash = strrpos($clean, '/');
            try {
                $there = panel_made_by_first_attempt($e)
                    ? $this->entry($slash === false ? '' : substr($clean, 0, $slash),
                        $slash === false ? $clean : substr($clean, $slash + 1))
                    : null;
            } catch (PanelApiException $other) {
                $there = null;
            }
            if (($there['type'] ?? '') !== 'folder') {
                return $this->raise($e, ['exists' => 1, 'invalid' => 1, 'not_found' => 4, 'conflict' => 4]);
            }
        }
        return true;
    }

    /**
     * Makes the empty file $file in $dir (PUT .../files/content). `bro 1` outside the space or a
     * name taken, as 1.0; `bro 3` when it cannot be written.
     */
    function CreateFile($dir, $file)
    {
        global $err;
        $folder = self::clean($dir);
        $name = self::name($file);
        if ($folder === null || $name === null) {
            $err->raise('bro', 1);
            return false;
        }
        try {
            if ($this->entry($folder, $name) !== null) {
                $err->raise('bro', 1);
                return false;
            }
            panel_api()->putFileContent(self::login(), "$folder/$name", '');
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 3, 'conflict' => 3, 'internal' => 3]);
        }
        return true;
    }

    /**
     * Deletes the files and folders (whole) named in $file_list from the folder $R
     * (DELETE .../files?path=). Names with a '/' and names that do not exist are skipped, as
     * 1.0; `bro 1` for a folder outside the space. Another failure stops there (the API's
     * message; the names before it are deleted).
     */
    function DeleteFile($file_list, $R)
    {
        global $err;
        $folder = self::clean($R);
        if ($folder === null) {
            $err->raise('bro', 1);
            return false;
        }
        foreach ((array) $file_list as $f) {
            $name = self::name($f);
            if ($name === null) {
                continue;
            }
            try {
                panel_api()->deleteFile(self::login(), "$folder/$name");
            } catch (PanelApiException $e) {
                if ($e->getErrorCode() !== 'not_found') {
                    return $this->raise($e);
                }
            }
        }
        return true;
    }

    /**
     * Renames $old[$i] to $new[$i] in the folder $R (POST .../files/rename). Pairs with a '/'
     * are skipped, as 1.0. A new name that exists is refused (the API's message; 1.0's rename()
     * replaced it), and stops there. `bro 1` for a folder outside the space.
     */
    function RenameFile($R, $old, $new)
    {
        global $err;
        $folder = self::clean($R);
        if ($folder === null) {
            $err->raise('bro', 1);
            return false;
        }
        $old = (array) $old;
        $new = (array) $new;
        foreach ($old as $i => $o) {
            $from = self::name($o);
            $to = self::name($new[$i] ?? '');
            if ($from === null || $to === null || $from === $to) {
                continue;
            }
            try {
                panel_api()->renameFile(self::login(), "$folder/$from", "$folder/$to");
            } catch (PanelApiException $e) {
                return $this->raise($e);
            }
        }
        return true;
    }

    /** The target folder of MoveFile / CopyFile: relative to $old unless it starts with '/'. */
    private static function target(string $old, $new): ?string
    {
        $new = (string) $new;
        return self::clean($new !== '' && $new[0] === '/' ? $new : "$old/$new");
    }

    /**
     * Moves the entries $d of the folder $old into the folder $new (relative to $old unless it
     * starts with '/'), POST .../files/rename each. `bro 1` a folder outside the space, `bro 2`
     * the same folder, as 1.0; names with a '/', missing or already in $new are skipped, as 1.0.
     */
    function MoveFile($d, $old, $new)
    {
        return $this->move_or_copy($d, $old, $new, false);
    }

    /** As MoveFile, copying (POST .../files/copy: folders whole, links as links). */
    function CopyFile($d, $old, $new)
    {
        return $this->move_or_copy($d, $old, $new, true);
    }

    private function move_or_copy($d, $old, $new, bool $copy)
    {
        global $err;
        $from = self::clean($old);
        $to = $from === null ? null : ($copy ? self::clean($new) : self::target($from, $new));
        if ($from === null || $to === null) {
            $err->raise('bro', 1);
            return false;
        }
        if ($from === $to) {
            $err->raise('bro', 2);
            return false;
        }
        foreach ((array) $d as $f) {
            $name = self::name($f);
            if ($name === null) {
                continue;
            }
            try {
                if ($copy) {
                    panel_api()->copyFile(self::login(), "$from/$name", "$to/$name");
                } else {
                    panel_api()->renameFile(self::login(), "$from/$name", "$to/$name");
                }
            } catch (PanelApiException $e) {
                if ($e->getErrorCode() !== 'not_found' && $e->getErrorCode() !== 'exists') {
                    return $this->raise($e);
                }
            }
        }
        return true;
    }

    /**
     * Sets or clears the owner's write permission of the entries $d of $R, $perm[$i]['w'] each
     * (POST .../files/chmod); 1.0 toggled the bit when asked to clear it. Names with a '/' are
     * skipped; `bro 1` for a folder outside the space. With $verbose, echoes 1.0's line
     * ("chmod <mode> file, was <mode> -- <w>") per entry.
     */
    function ChangePermissions($R, $d, $perm, $verbose = true)
    {
        global $err;
        $folder = self::clean($R);
        if ($folder === null) {
            $err->raise('bro', 1);
            return false;
        }
        foreach ((array) $d as $i => $f) {
            $name = self::name($f);
            if ($name === null) {
                continue;
            }
            $w = !empty($perm[$i]['w']);
            try {
                $before = $verbose ? $this->entry($folder, $name) : null;
                $after = panel_api()->chmodFile(self::login(), "$folder/$name", $w);
            } catch (PanelApiException $e) {
                return $this->raise($e);
            }
            if ($verbose) {
                echo 'chmod ' . ltrim($after['mode'], '0') . ' file, was '
                    . ltrim((string) ($before['mode'] ?? ''), '0') . ' -- ' . ($w ? '1' : '');
            }
        }
        return true;
    }

    /** Whether $tmp is a file PHP received by upload (a seam for tests and scripts). */
    protected function is_uploaded($tmp): bool
    {
        return is_uploaded_file($tmp);
    }

    /**
     * Stores the uploaded file `userfile` in the folder $R (PUT .../files/upload): returns its
     * absolute path (under get_user_root()), as 1.0. `bro 1` a folder outside the space;
     * `bro 3` when it cannot be written; a file over `[files] upload_max_size` or the web quota
     * is the API's message. A name with a '/' returns the path without writing, as 1.0 did.
     */
    function UploadFile($R)
    {
        global $err;
        $folder = self::clean($R);
        if ($folder === null) {
            $err->raise('bro', 1);
            return false;
        }
        $up = $_FILES['userfile'] ?? null;
        $abs = $this->get_user_root(self::login()) . $folder . '/' . ($up['name'] ?? '');
        if (!is_array($up) || self::name($up['name'] ?? '') === null) {
            return $abs;
        }
        if (!$this->is_uploaded((string) $up['tmp_name'])) {
            $err->log('bro', 'uploadfile', "Tentative d'attaque : " . $up['tmp_name']);
            return false;
        }
        $bytes = @file_get_contents((string) $up['tmp_name']);
        if ($bytes === false) {
            $err->raise('bro', 3);
            return false;
        }
        try {
            panel_api()->putFileContent(self::login(), $folder . '/' . $up['name'], $bytes, true);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 3, 'conflict' => 3, 'internal' => 3,
                'invalid' => 3]);
        }
        return $abs;
    }

    /** The bytes of the file $file of $R (GET .../files/content); null after a raise. */
    private function bytes($R, $file): ?string
    {
        global $err;
        $folder = self::clean($R);
        $name = self::name($file);
        if ($folder === null || $name === null) {
            $err->raise('bro', 1);
            return null;
        }
        try {
            return panel_api()->getFileContent(self::login(), "$folder/$name");
        } catch (PanelApiException $e) {
            $this->raise($e, ['not_found' => 6, 'invalid:path' => 6]);
            return null;
        }
    }

    /**
     * Echoes the file $file of $R for a textarea ('&' and '<' escaped), as 1.0. `bro 1` a name
     * with a '/' or a folder outside the space, `bro 6` a file that does not exist or cannot be
     * read (a folder, a link, larger than `[files] upload_max_size`). true once echoed.
     */
    function content($R, $file)
    {
        $bytes = $this->bytes($R, $file);
        if ($bytes === null) {
            return false;
        }
        echo str_replace('<', '&lt;', str_replace('&', '&amp;', $bytes));
        return true;
    }

    /** Echoes the file $file of $R as it is (downloads), as 1.0; codes as content(). */
    function content_send($R, $file)
    {
        $bytes = $this->bytes($R, $file);
        if ($bytes === null) {
            return false;
        }
        echo $bytes;
        return true;
    }

    /**
     * Writes $texte into the file $file of $R (PUT .../files/content), which must exist, as 1.0
     * (false without an error otherwise). `bro 1` a name with a '/' or a folder outside the
     * space, `bro 5` when it cannot be written; over the editor's `[files] max_size` or the web
     * quota: the API's message. true when written (1.0 returned nothing).
     */
    function save($file, $R, $texte)
    {
        global $err;
        $folder = self::clean($R);
        $name = self::name($file);
        if ($folder === null || $name === null) {
            $err->raise('bro', 1);
            return false;
        }
        try {
            $e = $this->entry($folder, $name);
            if ($e === null || $e['type'] !== 'file') {
                return false;
            }
            panel_api()->putFileContent(self::login(), "$folder/$name", (string) $texte);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 5, 'conflict' => 5, 'internal' => 5,
                'invalid:path' => 5]);
        }
        return true;
    }

    /**
     * 1.0's links from the space's root to $path, each to $action?R=<folder>/ (the names
     * HTML-escaped; 1.0 echoed them raw).
     */
    function PathList($path, $action)
    {
        $path = $this->convertabsolute($path, 1);
        $R = '';
        $c = '';
        foreach (explode('/', (string) $path) as $a) {
            if ($a !== '') {
                $R .= $a . '/';
                $c .= '<a href="' . htmlspecialchars($action . '?R=' . urlencode($R)) . '">'
                    . htmlspecialchars($a) . '</a>&nbsp;/&nbsp;';
            }
        }
        return $c;
    }
}
